import * as Wire from "./wire.js"

/** What a handler answers: a status and a JSON body. */
export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** One admitted request as a handler sees it: its path parameters and the time it is processed at. */
export interface Call {
  readonly request: Wire.Request
  readonly params: Readonly<Record<string, string>>
  readonly now: number
}

export const success = (status: number, data: unknown, additional?: unknown): Reply => ({
  status,
  body: additional === undefined ? { success: true, data } : { success: true, data, additional_data: additional }
})

export const badRequest = (info: string, error = Wire.invalidDataset): Reply => ({
  status: 400,
  body: Wire.errorBody(error, info)
})

export const notFound = (error: string): Reply => ({ status: 404, body: Wire.errorBody(error, "Object was not found.") })

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const timestamp = (millis: number): string => new Date(millis).toISOString()
