import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

// /metrics with --workers: the worker that gets the scrape asks the primary, which gathers every
// worker's registry over IPC (prom-client's AggregatorRegistry) and sums them.

const ASK = "misp-modules-ts:metrics-ask";
const ANSWER = "misp-modules-ts:metrics-answer";
const WAIT_MS = 5000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers workers' requests with the sum of all workers' metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: Ask) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text } satisfies Answer),
      (e: Error) => worker.send({ type: ANSWER, id: message.id, error: e.message } satisfies Answer),
    );
  });
}

let joined = false;
let nextId = 1;
const waiting = new Map<number, (a: Answer) => void>();

/** In a worker: offers `registry` to the primary's aggregation. */
export function joinClusterMetrics(registry: Registry): void {
  if (!cluster.isWorker || !process.send) return;
  // Constructing one installs prom-client's worker-side listener.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  if (joined) return;
  joined = true;
  process.on("message", (m: Answer) => {
    if (m?.type !== ANSWER) return;
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
}

/** The cluster-wide text, or undefined outside a cluster (or when the primary does not answer). */
export async function clusterMetricsText(): Promise<string | undefined> {
  if (!joined || !process.send) return undefined;
  const id = nextId++;
  const answer = await new Promise<Answer | undefined>((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve(undefined);
    }, WAIT_MS);
    waiting.set(id, (a) => {
      clearTimeout(timer);
      resolve(a);
    });
    process.send!({ type: ASK, id } satisfies Ask);
  });
  return answer?.text;
}
