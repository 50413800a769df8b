import type { Api, Method, Window } from "../../Operation.js"
import { type OperationName, operations } from "./contract.js"

/** An operation of the OpenAPI excerpts, as the server routes it. */
export interface Route {
  readonly name: OperationName
  readonly api: Api
  readonly method: Method
  readonly cost: number
  readonly window: Window
  readonly pattern: RegExp
  /** The path parameters, in the order the pattern captures them. */
  readonly params: ReadonlyArray<string>
}

const toPattern = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "([^/]+)")}$`)

/** Every operation; literal paths first, so `/leads/search` is not taken for an id. */
const routes: ReadonlyArray<Route> = operations
  .map((operation): Route => ({
    name: operation.name,
    api: operation.api,
    method: operation.method,
    cost: operation.cost,
    window: operation.window,
    pattern: toPattern(operation.path),
    params: Array.from(operation.path.matchAll(/\{(\w+)\}/g), (match) => match[1]!)
  }))
  .sort((a, b) => a.params.length - b.params.length)

/** The prefixes Pipedrive serves its API under: `/api/v1` (recommended) and `/v1`; `/api/v2` only. */
const prefixes: ReadonlyArray<readonly [string, Api]> = [["/api/v1", "v1"], ["/v1", "v1"], ["/api/v2", "v2"]]

export type Match =
  | { readonly _tag: "Found"; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly _tag: "MethodNotAllowed" }
  | { readonly _tag: "NotFound" }

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The route of a request path as it arrives, prefix included (`/api/v1/leads/…`). */
export const matchRoute = (method: string, fullPath: string): Match => {
  const prefix = prefixes.find(([base]) => fullPath.startsWith(`${base}/`))
  if (prefix === undefined) return { _tag: "NotFound" }
  const [base, api] = prefix
  const rest = fullPath.slice(base.length)
  const path = rest.length > 1 && rest.endsWith("/") ? rest.slice(0, -1) : rest
  let pathKnown = false
  for (const route of routes) {
    if (route.api !== api) continue
    const match = route.pattern.exec(path)
    if (match === null) continue
    if (route.method === method.toUpperCase()) {
      const params: Record<string, string> = {}
      route.params.forEach((name, i) => {
        params[name] = decodeSegment(match[i + 1]!)
      })
      return { _tag: "Found", route, params }
    }
    pathKnown = true
  }
  return pathKnown ? { _tag: "MethodNotAllowed" } : { _tag: "NotFound" }
}
