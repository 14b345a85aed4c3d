import type { ApiRoute } from "../route";
import { connectionRoutes } from "./connections";
import { notificationRoutes } from "./notifications";
import { teamRoutes } from "./team";

/** Every operation of /api/v1, in the order the documentation lists them. */
export const apiRoutes: ApiRoute[] = [...connectionRoutes, ...teamRoutes, ...notificationRoutes];
