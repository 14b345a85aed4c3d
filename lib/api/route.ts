import type { z } from "zod";
import type { ApiKeyScope } from "../api-keys/scopes";
import type { ApiCaller } from "./auth";

// One operation of /api/v1, declared once: the router serves it from this
// declaration and the OpenAPI document (openapi.ts) is generated from the
// same one, so the two cannot disagree.

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export type ApiAnswer = { status: number; body?: unknown; headers?: Record<string, string> };

export type ApiContext<Q, B> = {
  caller: ApiCaller;
  params: Record<string, string>;
  query: Q;
  body: B;
  headers: Headers;
  ip: string;
};

export type ResponseSpec = { description: string; schema?: z.ZodType; headers?: Record<string, string> };

export type ApiRoute<Q = unknown, B = unknown> = {
  method: HttpMethod;
  /** Under /api/v1, with {name} parameters: "/connections/{id}". */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  scope: ApiKeyScope;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Updates that honour If-Match (412 when the resource changed since it was read). */
  ifMatch?: boolean;
  responses: Record<number, ResponseSpec>;
  handle: (context: ApiContext<Q, B>) => Promise<ApiAnswer>;
};

/** Declares a route with its query and body types inferred from its schemas. */
export function route<Q = undefined, B = undefined>(spec: ApiRoute<Q, B>): ApiRoute {
  return spec as unknown as ApiRoute;
}
