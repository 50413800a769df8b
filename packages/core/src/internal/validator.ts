import { Option, Schema, SchemaAST as AST } from "effect"

/**
 * A predicate compiled once from a schema whose decoded form equals its wire form (no
 * transformations). It answers exactly what the schema's own validation answers — refinements
 * run their real filters — but walks plain JSON several times faster than the general parser,
 * which matters when a sync job decodes millions of leads. Callers fall back to the schema's
 * decoder when it says no, for the precise error path.
 *
 * Returns `undefined` for schemas it does not cover (transformations, suspensions, …).
 */
export const compile = (ast: AST.AST): ((input: unknown) => boolean) | undefined => {
  try {
    return go(ast)
  } catch {
    return undefined
  }
}

type Check = (input: unknown) => boolean

const unsupported = (ast: AST.AST): never => {
  throw new Error(`no fast validator for ${ast._tag}`)
}

const parseOptions = {}

const hasOwn = Object.prototype.hasOwnProperty

const go = (ast: AST.AST): Check => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string"
    case "NumberKeyword":
      return (u) => typeof u === "number"
    case "BooleanKeyword":
      return (u) => typeof u === "boolean"
    case "UndefinedKeyword":
      return (u) => u === undefined
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      const members = ast.types.map(go)
      return (u) => {
        for (const member of members) if (member(u)) return true
        return false
      }
    }
    case "Refinement": {
      const from = go(ast.from)
      const pattern = ast.annotations[Schema.PatternSchemaId] as { readonly regex: RegExp } | undefined
      if (pattern !== undefined) {
        const regex = pattern.regex
        return (u) => {
          if (!from(u)) return false
          regex.lastIndex = 0
          return regex.test(u as string)
        }
      }
      if (ast.annotations[AST.SchemaIdAnnotationId] === Schema.IntSchemaId) {
        return (u) => from(u) && Number.isSafeInteger(u)
      }
      const refinement = ast
      return (u) => from(u) && Option.isNone(refinement.filter(u, parseOptions, refinement))
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return unsupported(ast)
      const item = go(ast.rest[0]!.type)
      return (u) => {
        if (!Array.isArray(u)) return false
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      }
    }
    case "TypeLiteral": {
      const properties = ast.propertySignatures.map((property) => {
        if (typeof property.name !== "string") return unsupported(ast)
        return { name: property.name, optional: property.isOptional, check: go(property.type) }
      })
      if (ast.indexSignatures.length > 1) return unsupported(ast)
      const index = ast.indexSignatures[0]
      if (index !== undefined && index.parameter._tag !== "StringKeyword") return unsupported(ast)
      const indexCheck = index === undefined ? undefined : go(index.type)
      const declared = new Set(properties.map((p) => p.name))
      return (u) => {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return false
        const record = u as Record<string, unknown>
        for (const property of properties) {
          if (hasOwn.call(record, property.name)) {
            if (!property.check(record[property.name])) return false
          } else if (!property.optional) {
            return false
          }
        }
        if (indexCheck !== undefined) {
          for (const key in record) {
            if (!declared.has(key) && !indexCheck(record[key])) return false
          }
        }
        return true
      }
    }
    default:
      return unsupported(ast)
  }
}
