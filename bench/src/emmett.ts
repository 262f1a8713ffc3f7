import { Worker } from 'node:worker_threads';
import type { EmmettRequest, EmmettResponse } from './emmett-worker.js';
import type { Contender } from './measure.js';

/**
 * Emmett's PostgreSQL event store (`@event-driven-io/emmett-postgresql`), driven in a worker thread
 * (see emmett-worker.ts for why). Requests are answered one at a time, in order.
 */
export class EmmettPeer {
  readonly #worker: Worker;
  #pending: Array<{ resolve: (r: EmmettResponse) => void; reject: (e: Error) => void }> = [];
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (response: EmmettResponse) => this.#pending.shift()?.resolve(response));
    const fail = (error: Error) => {
      this.#failure = error;
      for (const p of this.#pending.splice(0)) p.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`Emmett worker exited (code ${code})`)));
  }

  /** Starts the worker (TypeScript loaded through tsx's loader) and creates and migrates the store. */
  static async start(url: string): Promise<{ peer: EmmettPeer; info: string }> {
    const target = new URL('./emmett-worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(target)}); });`;
    const peer = new EmmettPeer(new Worker(boot, { eval: true }));
    try {
      const info = await peer.#request({ op: 'init', url });
      return { peer, info: info ?? '' };
    } catch (error) {
      await peer.close();
      throw error;
    }
  }

  async #request(request: EmmettRequest): Promise<string | undefined> {
    const response = await this.#send(request);
    if (!response.ok) throw new Error(response.error);
    return response.info;
  }

  #send(request: EmmettRequest): Promise<EmmettResponse> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  /** `appendToStream` of `batch` events per call from `clients` concurrent callers (one stream per account). */
  contender(clients: number, batch: number): Contender {
    return {
      label: 'emmett',
      round: async (durationMs) => {
        const response = await this.#send({ op: 'round', clients, batch, durationMs });
        if (!response.ok) throw new Error(response.error);
        if (!response.result) throw new Error('Emmett worker returned no result');
        return response.result;
      },
    };
  }

  /** Closes Emmett's pool, then the worker. */
  async close(): Promise<void> {
    if (!this.#failure) await this.#send({ op: 'close' }).catch(() => undefined);
    this.#failure ??= new Error('closed');
    await this.#worker.terminate();
  }
}
