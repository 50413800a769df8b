import * as Endpoints from "../../Endpoints.js"
import type { EndpointName } from "./faults.js"

/** An endpoint of the table, as the server routes it. */
export interface Route extends Endpoints.Operation {
  readonly name: EndpointName
  readonly pattern: RegExp
  readonly hasId: boolean
}

const toPattern = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace("{id}", "([^/]+)")}$`)

/** Every endpoint of the table; literal paths first, so `/leads/search` is not taken for an id. */
const routes: ReadonlyArray<Route> = (Object.keys(Endpoints.all) as Array<EndpointName>)
  .map((name): Route => {
    const { cost, method, path, window } = Endpoints.all[name]
    return { name, method, cost, window, pattern: toPattern(path), hasId: path.includes("{id}") }
  })
  .sort((a, b) => Number(a.hasId) - Number(b.hasId))

export type Match =
  | { readonly _tag: "Found"; readonly route: Route; readonly id: string | undefined }
  | { readonly _tag: "MethodNotAllowed" }
  | { readonly _tag: "NotFound" }

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export const matchRoute = (method: string, path: string): Match => {
  const normalized = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path
  let pathKnown = false
  for (const route of routes) {
    const match = route.pattern.exec(normalized)
    if (match === null) continue
    if (route.method === method.toUpperCase()) {
      return { _tag: "Found", route, id: match[1] === undefined ? undefined : decodeSegment(match[1]) }
    }
    pathKnown = true
  }
  return pathKnown ? { _tag: "MethodNotAllowed" } : { _tag: "NotFound" }
}
