// prom-client's default metrics, one module each (process-metrics.ts picks them by name); the
// package ships no types for them. Each registers its metric(s) on the registry it is given.
declare module "prom-client/lib/metrics/*.js" {
  const register: (registry: import("prom-client").Registry, config: { prefix: string }) => void;
  export default register;
}
