// http: the process's HTTP server — /metrics, /healthz, /readyz — and a small
// router that later issues extend with the JSON API (`routes`).
export { startHttpServer, type HttpServerOptions, type RunningHttpServer } from './server.js';
export { checkReadiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export {
  HttpError,
  Router,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
  type Route,
  type RouteHandler,
} from './router.js';
export { branchRoutes, type BranchApiOptions } from './branch-api.js';
export { planRoutes, type PlanApiOptions } from './plan-api.js';
export { mergeRoutes } from './merge-api.js';
export { answer, asHttpError, required, optional } from './api-errors.js';
export { accessRoutes, authorize } from './api-auth.js';
export { historyRoutes, refContext } from './history-api.js';
export { impactRoutes } from './impact-api.js';
export { pageRoutes, PAGE_DIR } from './page.js';
