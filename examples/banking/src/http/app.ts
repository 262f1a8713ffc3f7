import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HandlerMode } from '@tally/decisions';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Bank } from '../bank.js';
import { InvalidInputError } from '../domain/errors.js';
import { parseAsOf } from '../features/views/as-of.js';
import type { AccountView, Statement } from '../features/views/queries.js';
import { BODY_LIMIT_BYTES, toErrorResponse } from './errors.js';
import { traceRequests } from './trace-requests.js';
import {
  AccountListReply,
  AccountOpenedReply,
  AccountParams,
  AccountReply,
  bodyErrors,
  CloseReply,
  commonErrors,
  described,
  DepositBody,
  DepositReply,
  ListQuery,
  notFound,
  OpenAccountBody,
  refused,
  StatementQuery,
  StatementReply,
  TransferBody,
  TransferReply,
  WithdrawalBody,
  WithdrawalReply,
} from './schemas.js';

/**
 * How the API's bank guards its decisions (`createBank({ decisionMode })`): locked, so that concurrent requests
 * on one account queue on its lock instead of racing to the same append (see test/hot-account.int.test.ts).
 */
export const apiDecisionMode: HandlerMode = 'locked';

export interface AppOptions {
  /** Fastify's logger: `false` for silence, `true` or pino options to log. @defaultValue false */
  readonly logger?: boolean | { readonly level: string };
}

const accountJson = (view: AccountView) => ({
  ...view,
  openedAt: view.openedAt.toISOString(),
  closedAt: view.closedAt?.toISOString() ?? null,
});

const statementJson = (statement: Statement) => ({
  accountId: statement.account.accountId,
  currency: statement.account.currency,
  asOf: statement.asOf?.toISOString() ?? null,
  balance: statement.balance,
  lines: statement.lines.map((line) => ({ ...line, position: line.position.toString(), occurredAt: line.occurredAt.toISOString() })),
});

/** The responses of a command: 201 applied now, 200 applied before (a retry), and its errors. */
const commandResponses = <T extends object>(reply: T, what: string) => ({
  201: described(reply, `${what}: applied now`),
  200: described(reply, `${what}: applied before with this operation id (a retry): nothing new happened, replayed is true`),
  ...commonErrors,
  ...bodyErrors,
  ...notFound,
  ...refused,
});

/**
 * The bank's HTTP API. Every body, parameter and query string is checked against a JSON Schema before a
 * handler runs (unknown fields and wrong types are refused, nothing is coerced), and again by the slices.
 */
export async function buildApp(bank: Bank, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // verbose: a refusal quotes the failing schema (its allowed values, range, description) and the value sent.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tally bank',
        version: '0.1.0',
        description:
          'Amounts are integers in minor units (cents); no balance may pass 2^53 − 1 minor units (money in past it is refused ' +
          `with 409 BALANCE_LIMIT_EXCEEDED). Request bodies are JSON (application/json), at most ${BODY_LIMIT_BYTES} bytes (16 KiB). ` +
          'Every error answers { error: { code, message, details? } }: details is an object of named values (field for INVALID_INPUT).',
      },
    },
  });

  traceRequests(app);

  // Bodies are JSON only: any other content type (text/plain included, which Fastify reads by default) is 415.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error, request, reply) => {
    const { status, body, unexpected } = toErrorResponse(error);
    if (unexpected) request.log.error({ err: error }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` } });
  });

  const meta = (request: { id: string }) => ({ correlationId: request.id });

  app.post(
    '/accounts',
    { schema: { summary: 'Open an account', body: OpenAccountBody, response: commandResponses(AccountOpenedReply, 'opened') } },
    async (request, reply) => {
      const outcome = await bank.openAccount(request.body, meta(request));
      return reply.status(outcome.replayed ? 200 : 201).send(outcome);
    },
  );

  app.post(
    '/accounts/:id/deposits',
    { schema: { summary: 'Deposit money', params: AccountParams, body: DepositBody, response: commandResponses(DepositReply, 'deposited') } },
    async (request, reply) => {
      const outcome = await bank.deposit({ accountId: request.params.id, ...request.body }, meta(request));
      return reply.status(outcome.replayed ? 200 : 201).send(outcome);
    },
  );

  app.post(
    '/accounts/:id/withdrawals',
    {
      schema: { summary: 'Withdraw money', params: AccountParams, body: WithdrawalBody, response: commandResponses(WithdrawalReply, 'withdrawn') },
    },
    async (request, reply) => {
      const outcome = await bank.withdraw({ accountId: request.params.id, ...request.body }, meta(request));
      return reply.status(outcome.replayed ? 200 : 201).send(outcome);
    },
  );

  app.post(
    '/transfers',
    { schema: { summary: 'Transfer money between two accounts', body: TransferBody, response: commandResponses(TransferReply, 'transferred') } },
    async (request, reply) => {
      const outcome = await bank.transfer(request.body, meta(request));
      return reply.status(outcome.replayed ? 200 : 201).send(outcome);
    },
  );

  app.post(
    '/accounts/:id/close',
    { schema: { summary: 'Close an account (balance must be zero)', params: AccountParams, response: { 200: described(CloseReply, 'closed (replayed: true when it was closed before)'), ...commonErrors, ...notFound, ...refused } } },
    async (request) => {
      const outcome = await bank.closeAccount({ accountId: request.params.id }, meta(request));
      return { ...outcome, status: 'closed' as const };
    },
  );

  app.get(
    '/accounts/:id',
    { schema: { summary: 'One account', params: AccountParams, response: { 200: described(AccountReply, 'the account'), ...commonErrors, ...notFound } } },
    async (request) => accountJson(await bank.getAccount(request.params.id)),
  );

  app.get(
    '/accounts',
    { schema: { summary: 'Accounts by customer name', querystring: ListQuery, response: { 200: described(AccountListReply, 'the accounts, by customer name'), ...commonErrors } } },
    async (request) => {
      const { status, limit, offset } = request.query;
      const accounts = await bank.listAccounts({ status, limit: limit === undefined ? 100 : Number(limit), offset: offset === undefined ? 0 : Number(offset) });
      return { accounts: accounts.map(accountJson) };
    },
  );

  app.get(
    '/accounts/:id/statement',
    {
      schema: {
        summary: 'Movements with running balance; with asOf, as they were at the end of that millisecond (computed from the events)',
        params: AccountParams,
        querystring: StatementQuery,
        response: { 200: described(StatementReply, 'the statement'), ...commonErrors, ...notFound },
      },
    },
    async (request) => {
      const text = request.query.asOf;
      const asOf = text === undefined ? undefined : parseAsOf(text);
      if (text !== undefined && !asOf) throw new InvalidInputError('asOf', 'asOf must be a valid ISO 8601 date-time');
      return statementJson(await bank.getStatement(request.params.id, asOf));
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app;
}

