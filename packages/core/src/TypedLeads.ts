/**
 * Leads with named, typed custom fields and labels by name: the `Leads` operations over a
 * {@link CustomFields} declaration. Names resolve to Pipedrive's keys through the lead-fields
 * API, and label names to ids through the labels API, once per service (cached for `ttl`,
 * 10 minutes by default, and read again once when a name, key, option or label is missing).
 * Reads keep every key of the lead as Pipedrive sent it; writes change exactly the fields and
 * labels given, so a read–modify–write leaves undeclared custom fields untouched.
 *
 * @since 0.2.0
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as SynchronizedRef from "effect/SynchronizedRef"
import * as CustomFields from "./CustomFields.js"
import { InvalidInput, type PipedriveError } from "./Errors.js"
import type { Lead } from "./Lead.js"
import * as LeadFields from "./LeadFields.js"
import * as LeadLabels from "./LeadLabels.js"
import * as Leads from "./Leads.js"
import { mapPagesEffect, type Page, type StreamOptions } from "./Pagination.js"
import type { AddLead, ListLeadsParams, UpdateLead } from "./Requests.js"

/**
 * A lead as Pipedrive sent it, with its declared fields typed under `fields` and its labels
 * by name under `labels`.
 *
 * @since 0.2.0
 * @category models
 */
export type TypedLead<F extends CustomFields.Fields> = Lead & {
  readonly fields: CustomFields.Values<F>
  readonly labels: ReadonlyArray<string>
}

/**
 * What a write adds to `addLead` and `updateLead`: declared fields by name, labels by name
 * (instead of `label_ids`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Typed<F extends CustomFields.Fields> {
  readonly fields?: Partial<CustomFields.Values<F>>
  readonly labels?: ReadonlyArray<string>
}

/**
 * Where the company's fields and labels are read from.
 *
 * @since 0.2.0
 * @category models
 */
export interface Catalogs {
  readonly fields: Effect.Effect<ReadonlyArray<CustomFields.FieldInfo>, PipedriveError>
  readonly labels: Effect.Effect<ReadonlyArray<{ readonly id: string; readonly name: string }>, PipedriveError>
}

/**
 * The typed view's operations.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service<F extends CustomFields.Fields> {
  readonly getLead: (id: string) => Effect.Effect<TypedLead<F>, PipedriveError | CustomFields.CustomFieldError>
  readonly getLeads: (
    params?: ListLeadsParams
  ) => Effect.Effect<Page<TypedLead<F>>, PipedriveError | CustomFields.CustomFieldError>
  readonly getArchivedLeads: (
    params?: ListLeadsParams
  ) => Effect.Effect<Page<TypedLead<F>>, PipedriveError | CustomFields.CustomFieldError>
  readonly streamLeads: (
    params?: ListLeadsParams,
    options?: StreamOptions
  ) => Stream.Stream<TypedLead<F>, PipedriveError | CustomFields.CustomFieldError>
  readonly streamArchivedLeads: (
    params?: ListLeadsParams,
    options?: StreamOptions
  ) => Stream.Stream<TypedLead<F>, PipedriveError | CustomFields.CustomFieldError>
  readonly addLead: (lead: AddLead & Typed<F>) => Effect.Effect<TypedLead<F>, PipedriveError | CustomFields.CustomFieldError>
  /** Changes exactly the keys, fields and labels given; `null` unsets a field. */
  readonly updateLead: (
    id: string,
    changes: UpdateLead & Typed<F>
  ) => Effect.Effect<TypedLead<F>, PipedriveError | CustomFields.CustomFieldError>
  /** The typed view of a lead read some other way. */
  readonly typed: (lead: Lead) => Effect.Effect<TypedLead<F>, PipedriveError | CustomFields.CustomFieldError>
  /** The declaration resolved against the company's fields: each name with its key and options. */
  readonly resolved: Effect.Effect<CustomFields.Resolved<F>, PipedriveError | CustomFields.CustomFieldError>
}

/**
 * How long the company's fields and labels are kept before they are read again.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultTtl: Duration.Duration = Duration.minutes(10)

interface Catalog<F extends CustomFields.Fields> {
  readonly resolved: CustomFields.Resolved<F>
  readonly labelIds: ReadonlyMap<string, string>
  readonly labelNames: ReadonlyMap<string, string>
}

/** A lookup that a fresher catalog may answer: the catalog is read again once before giving up. */
class Missing {
  constructor(readonly error: PipedriveError | CustomFields.CustomFieldError) {}
}

/**
 * The typed view over a `Leads` service and the catalogs of fields and labels.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeWith = <const F extends CustomFields.Fields>(
  declaration: F,
  leads: Leads.Service,
  catalogs: Catalogs,
  options?: { readonly ttl?: Duration.DurationInput | undefined }
): Effect.Effect<Service<F>> =>
  Effect.gen(function*() {
    const ttl = Duration.toMillis(options?.ttl ?? defaultTtl)
    const load = Effect.gen(function*() {
      const [fields, labels] = yield* Effect.all([catalogs.fields, catalogs.labels], { concurrency: 2 })
      return {
        resolved: CustomFields.resolve(declaration, fields),
        labelIds: new Map(labels.map((label) => [label.id, label.name])),
        labelNames: new Map(labels.map((label) => [label.name, label.id]))
      }
    })
    type Loaded = Effect.Effect.Success<typeof load>
    const state = yield* SynchronizedRef.make(Option.none<{ readonly at: number; readonly loaded: Loaded }>())
    // One read at a time: callers that come while it runs get its result. `stale` is the
    // catalog a caller found wanting; if another caller already replaced it, that one is used.
    const current = (stale?: Loaded) =>
      SynchronizedRef.modifyEffect(state, (held) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (Option.isSome(held) && held.value.loaded !== stale && now - held.value.at < ttl) {
            return Effect.succeed([held.value.loaded, held] as const)
          }
          return Effect.map(load, (loaded) => [loaded, Option.some({ at: now, loaded })] as const)
        }))

    const withCatalog = <A>(
      use: (catalog: Catalog<F>) => Either.Either<A, Missing | PipedriveError | CustomFields.CustomFieldError>
    ): Effect.Effect<A, PipedriveError | CustomFields.CustomFieldError> => {
      const attempt = (loaded: Loaded) =>
        Either.isLeft(loaded.resolved)
          ? Either.left(new Missing(loaded.resolved.left))
          : use({ ...loaded, resolved: loaded.resolved.right })
      return Effect.flatMap(current(), (loaded) => {
        const first = attempt(loaded)
        if (Either.isRight(first)) return Effect.succeed(first.right)
        if (!(first.left instanceof Missing)) return Effect.fail(first.left)
        return Effect.flatMap(current(loaded), (fresher) => {
          const second = attempt(fresher)
          return Either.isRight(second)
            ? Effect.succeed(second.right)
            : Effect.fail(second.left instanceof Missing ? second.left.error : second.left)
        })
      })
    }

    const view = (catalog: Catalog<F>, lead: Lead): Either.Either<TypedLead<F>, Missing | CustomFields.CustomFieldError> => {
      const values = CustomFields.decodeValues(declaration, catalog.resolved, lead)
      if (Either.isLeft(values)) {
        const { field, issue } = values.left
        const error = new CustomFields.CustomFieldError({
          field: declaration[field]!.name,
          reason: `lead ${lead.id}: ${issue}`,
          closest: []
        })
        return Either.left(issue.startsWith(CustomFields.unknownOptionPrefix) ? new Missing(error) : error)
      }
      const labels: Array<string> = []
      for (const id of lead.label_ids ?? []) {
        const name = catalog.labelIds.get(id)
        if (name === undefined) {
          return Either.left(
            new Missing(
              new CustomFields.CustomFieldError({ field: "labels", reason: `lead ${lead.id}: unknown label id ${id}`, closest: [] })
            )
          )
        }
        labels.push(name)
      }
      return Either.right({ ...lead, fields: values.right, labels } as TypedLead<F>)
    }
    const typed = (lead: Lead) => withCatalog((catalog) => view(catalog, lead))
    const typedItems = (leads: Iterable<Lead>) =>
      withCatalog<Array<TypedLead<F>>>((catalog) => {
        const items: Array<TypedLead<F>> = []
        for (const lead of leads) {
          const one = view(catalog, lead)
          if (Either.isLeft(one)) return Either.left(one.left)
          items.push(one.right)
        }
        return Either.right(items)
      })
    const typedPage = (page: Page<Lead>) =>
      Effect.map(typedItems(page.items), (items) => ({ items, pagination: page.pagination }))

    // The wire body of a typed write: the standard keys as given, declared fields encoded,
    // label names as ids. Anything wrong is InvalidInput, before anything is sent.
    const toWire = (operation: string, method: string, path: string, input: Record<string, unknown> & Typed<F>) =>
      withCatalog<Record<string, unknown>>((catalog) => {
        const { fields, labels, ...rest } = input
        const issues: Array<string> = []
        const body: Record<string, unknown> = { ...rest }
        let missing = false
        if (fields !== undefined) {
          const encoded = CustomFields.encodeValues(declaration, catalog.resolved, fields)
          if (Either.isLeft(encoded)) issues.push(...encoded.left)
          else Object.assign(body, encoded.right)
        }
        if (labels !== undefined) {
          if (rest.label_ids !== undefined) issues.push("labels and label_ids: give one of them")
          const ids: Array<string> = []
          for (const name of labels) {
            const id = catalog.labelNames.get(name)
            if (id === undefined) {
              missing = true
              issues.push(`labels: no label ${JSON.stringify(name)}; one of ${
                [...catalog.labelNames.keys()].map((n) => JSON.stringify(n)).join(", ")
              }`)
            } else {
              ids.push(id)
            }
          }
          body.label_ids = ids
        }
        if (issues.length === 0) return Either.right(body)
        const error = new InvalidInput({ method, path, operation, issues })
        return Either.left(missing ? new Missing(error) : error)
      })

    const streamOf = (leads: Stream.Stream<Lead, PipedriveError>) =>
      mapPagesEffect(leads, (page) => Effect.map(typedItems(page), Chunk.unsafeFromArray))

    return {
      getLead: (id) => Effect.flatMap(leads.getLead(id), typed),
      getLeads: (params) => Effect.flatMap(leads.getLeads(params), typedPage),
      getArchivedLeads: (params) => Effect.flatMap(leads.getArchivedLeads(params), typedPage),
      streamLeads: (params, options) => streamOf(leads.streamLeads(params, options)),
      streamArchivedLeads: (params, options) => streamOf(leads.streamArchivedLeads(params, options)),
      addLead: (lead) =>
        Effect.flatMap(toWire("addLead", "POST", "/leads", lead), (body) => Effect.flatMap(leads.addLead(body as AddLead), typed)),
      updateLead: (id, changes) =>
        Effect.flatMap(
          toWire("updateLead", "PATCH", "/leads/{id}", changes),
          (body) => Effect.flatMap(leads.updateLead(id, body as UpdateLead), typed)
        ),
      typed,
      resolved: withCatalog((catalog) => Either.right(catalog.resolved))
    }
  })


/**
 * The typed view over the `Leads`, `LeadFields` and `LeadLabels` services in context.
 *
 * @example
 * ```ts
 * import { CustomFields, TypedLeads } from "@effect-pipedrive/core"
 * import { Effect, Stream } from "effect"
 *
 * const MyFields = CustomFields.define({
 *   budget: CustomFields.monetary("Budget"),
 *   stage: CustomFields.option("Lead stage", ["New", "Qualified", "Lost"])
 * })
 *
 * const qualified = Effect.gen(function*() {
 *   const leads = yield* TypedLeads.make(MyFields)
 *   return yield* leads.streamLeads().pipe(
 *     Stream.filter((lead) => lead.fields.stage === "Qualified"),
 *     Stream.runCollect
 *   )
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <const F extends CustomFields.Fields>(
  declaration: F,
  options?: { readonly ttl?: Duration.DurationInput | undefined }
): Effect.Effect<Service<F>, never, Leads.Leads | LeadFields.LeadFields | LeadLabels.LeadLabels> =>
  Effect.gen(function*() {
    const leads = yield* Leads.Leads
    const fields = yield* LeadFields.LeadFields
    const labels = yield* LeadLabels.LeadLabels
    return yield* makeWith(declaration, leads, {
      fields: Effect.map(Stream.runCollect(fields.streamLeadFields()), Chunk.toReadonlyArray),
      labels: labels.getLeadLabels()
    }, options)
  })

/**
 * The typed view as a layer, under a tag of the program's own:
 * `class MyLeads extends Context.Tag("MyLeads")<MyLeads, TypedLeads.Service<typeof MyFields>>() {}`.
 *
 * @example
 * ```ts
 * import { CustomFields, Services, TypedLeads } from "@effect-pipedrive/core"
 * import { Context, Effect } from "effect"
 *
 * const MyFields = CustomFields.define({ budget: CustomFields.monetary("Budget") })
 *
 * class MyLeads extends Context.Tag("MyLeads")<MyLeads, TypedLeads.Service<typeof MyFields>>() {}
 *
 * // Needs Leads, LeadFields and LeadLabels: Services.layer provides them.
 * const MyLeadsLive = TypedLeads.layer(MyLeads, MyFields)
 *
 * const budgetOf = (id: string) =>
 *   Effect.flatMap(MyLeads, (leads) => leads.getLead(id)).pipe(Effect.map((lead) => lead.fields.budget))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = <I, const F extends CustomFields.Fields>(
  tag: Context.Tag<I, Service<F>>,
  declaration: F,
  options?: { readonly ttl?: Duration.DurationInput | undefined }
): Layer.Layer<I, never, Leads.Leads | LeadFields.LeadFields | LeadLabels.LeadLabels> =>
  Layer.effect(tag, make(declaration, options))
