// The one home of an upstream expansion's plumbing: the server settings of its upstream policy
// (upstream-policy.ts), the hover budget of the request (request-budget.ts) and the gate that
// caches, shares and paces its calls (upstream-gate.ts). A module makes one `upstreamLookup()`,
// spreads `.serverSettings` into its declaration and asks through `.call()`, so its file holds
// only its own logic (docs/architecture.md#upstream-lookups).
import type { ModuleContext } from "../../../sdk/types.js";
import { budgetEnd } from "./request-budget.js";
import { callUpstream, type UpstreamAnswer } from "./upstream-gate.js";
import { type UpstreamPolicy, type UpstreamSettings, upstreamPolicy, upstreamSettings } from "./upstream-policy.js";

/** What a lookup needs of the handler's context: its settings must hold the upstream ones. */
export type UpstreamContext = Pick<ModuleContext<UpstreamSettings>, "module" | "deadline" | "signal" | "log" | "settings">;

export interface UpstreamQuestion<T> {
  /** The upstream asked (base URL, nameservers...): cache and rate limit are kept per module and upstream. */
  upstream: string;
  /** The question, unique for this upstream (e.g. "sha1/<hash>"). */
  key: string;
  /**
   * Performs the call. `timeoutMs`: what one request may take; `deadline`: epoch ms by which
   * the reply must be out (the hover budget, else the query's deadline).
   */
  fetch(timeoutMs: number, deadline: number): Promise<UpstreamAnswer<T>>;
}

export interface UpstreamLookup {
  /** The policy's server settings, to declare as (or spread into) the module's `serverSettings`. */
  readonly serverSettings: ReturnType<typeof upstreamSettings>;
  /**
   * Answers a question through the gate, within the request's budget: a hover query (or the
   * "Attach enrichment" action) must be answered well within MISP's 5 s.
   */
  call<T>(ctx: UpstreamContext, request: Readonly<Record<string, unknown>>, question: UpstreamQuestion<T>): Promise<T>;
}

/** `defaults`: the module's own policy defaults (e.g. a higher pace for DNS), shown in its settings. */
export function upstreamLookup(defaults: Partial<UpstreamPolicy> = {}): UpstreamLookup {
  return {
    serverSettings: upstreamSettings(defaults),
    call(ctx, request, question) {
      const end = budgetEnd(request, ctx.deadline);
      return callUpstream(ctx, {
        scope: `${ctx.module} ${question.upstream}`,
        key: question.key,
        policy: upstreamPolicy(ctx.settings, defaults),
        budgetEnd: end,
        fetch: (timeoutMs) => question.fetch(timeoutMs, end),
      });
    },
  };
}
