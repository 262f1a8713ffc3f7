import { Worker } from 'node:worker_threads';
import type { Contender } from '../measure.js';
import type { EmmettHotRequest, EmmettHotResponse } from './emmett-hot-worker.js';

/** Drives emmett-hot-worker.ts (TypeScript loaded through tsx's loader); requests are answered in order. */
export class EmmettHotPeer {
  readonly #worker: Worker;
  #pending: Array<{ resolve: (r: EmmettHotResponse) => void; reject: (e: Error) => void }> = [];
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (response: EmmettHotResponse) => this.#pending.shift()?.resolve(response));
    const fail = (error: Error) => {
      this.#failure = error;
      for (const p of this.#pending.splice(0)) p.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`Emmett worker exited (code ${code})`)));
  }

  static async start(url: string): Promise<EmmettHotPeer> {
    const target = new URL('./emmett-hot-worker.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(target)}); });`;
    const peer = new EmmettHotPeer(new Worker(boot, { eval: true }));
    try {
      const response = await peer.#send({ op: 'init', url });
      if (!response.ok) throw new Error(response.error);
      return peer;
    } catch (error) {
      await peer.close();
      throw error;
    }
  }

  #send(request: EmmettHotRequest): Promise<EmmettHotResponse> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  /** The hot stream with `clients` concurrent loops; `onCheck` gets each round's consistency check. */
  contender(label: string, clients: number, onCheck: (round: number, check: string) => void): Contender {
    return {
      label,
      round: async (durationMs, round) => {
        const stream = `account-dhot-emmett-${round < 0 ? 'warmup' : round}-${Date.now()}`;
        const response = await this.#send({ op: 'round', clients, durationMs, stream });
        if (!response.ok) throw new Error(response.error);
        if (!response.result) throw new Error('Emmett worker returned no result');
        onCheck(round, response.check ?? 'not checked');
        return response.result;
      },
    };
  }

  async close(): Promise<void> {
    if (!this.#failure) await this.#send({ op: 'close' }).catch(() => undefined);
    this.#failure ??= new Error('closed');
    await this.#worker.terminate();
  }
}
