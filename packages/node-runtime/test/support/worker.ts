/**
 * One process of a fleet behind one token, for the scale-out tests: builds
 * `PipedriveNode.layer` (with the Redis store when given a URL), says it is ready, waits for
 * "go" on stdin so that every worker starts at once, fires one concurrent `getLead` per id,
 * and reports how each ended. Protocol lines on stdout start with `@@worker `.
 *
 *   node --import tsx --conditions=source worker.ts '{"baseUrl":…,"token":…,"ids":[…],"rateLimit":{…},"redisUrl":…|null}'
 */
import { Leads } from "@effect-pipedrive/core"
import { Effect, Layer, Redacted } from "effect"
import { PipedriveNode, RedisStore, RedisTokenStore } from "../../src/index.js"
import { marker, type WorkerConfig, type WorkerMessage } from "./workerProtocol.js"

const say = (message: WorkerMessage) => Effect.sync(() => process.stdout.write(`${marker}${JSON.stringify(message)}\n`))

const go = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})

const config = JSON.parse(process.argv[2] ?? "null") as WorkerConfig

const client = PipedriveNode.layer({
  apiToken: Redacted.make(config.token),
  baseUrl: config.baseUrl,
  rateLimit: config.rateLimit
})

const oauthClient = (oauth: NonNullable<WorkerConfig["oauth"]>, redisUrl: string) =>
  PipedriveNode.layerOAuth({
    app: { clientId: oauth.clientId, clientSecret: Redacted.make(oauth.clientSecret), oauthUrl: oauth.oauthUrl },
    refreshSkew: oauth.refreshSkew,
    rateLimit: config.rateLimit
  }).pipe(Layer.provide(RedisTokenStore.layer({ url: redisUrl })))

const layer: Layer.Layer<PipedriveNode.Services, unknown> = config.redisUrl === null
  ? client
  : config.oauth !== undefined
  ? oauthClient(config.oauth, config.redisUrl)
  : client.pipe(Layer.provide(RedisStore.layer({ url: config.redisUrl })))

const main = Effect.gen(function*() {
  const leads = yield* Leads.Leads
  yield* say({ _tag: "Ready" })
  yield* go
  const outcomes = yield* Effect.forEach(config.ids, (id) => Effect.either(leads.getLead(id)), {
    concurrency: "unbounded"
  })
  const failures: Record<string, number> = {}
  let ok = 0
  for (const outcome of outcomes) {
    if (outcome._tag === "Right") ok++
    else failures[outcome.left._tag] = (failures[outcome.left._tag] ?? 0) + 1
  }
  yield* say({ _tag: "Done", ok, failures })
}).pipe(Effect.provide(layer))

Effect.runPromise(main).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
