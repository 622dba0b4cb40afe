import { JSONSchema, Schema } from "effect"
const Address = Schema.Struct({ street: Schema.String, zip: Schema.optional(Schema.String) }).annotations({ identifier: "Address" })
class Person extends Schema.Class<Person>("Person")({
  name: Schema.NonEmptyString,
  age: Schema.Int.pipe(Schema.between(0, 150)),
  nick: Schema.optional(Schema.String),
  mid: Schema.optionalWith(Schema.String, { nullable: true }),
  kind: Schema.Literal("a", "b"),
  tags: Schema.Array(Schema.String).pipe(Schema.minItems(1)),
  addr: Address,
  addrs: Schema.Array(Address),
  maybe: Schema.NullOr(Schema.Number),
  even: Schema.Number.pipe(Schema.filter((n) => n % 2 === 0)),
  date: Schema.Date,
  rec: Schema.Record({ key: Schema.String, value: Schema.Number }),
  tup: Schema.Tuple(Schema.String, Schema.Number),
  u: Schema.Union(Schema.Struct({ _tag: Schema.Literal("x"), x: Schema.Number }), Schema.Struct({ _tag: Schema.Literal("y") })),
  e: Schema.Enums({ A: "a", B: "b" } as const),
}) {}
const defs = {}
console.log(JSON.stringify(JSONSchema.fromAST(Person.ast, { definitions: defs, topLevelReferenceStrategy: "skip" , additionalPropertiesStrategy: "strict"}), null, 1), JSON.stringify(defs, null, 1))
console.log(JSON.stringify(JSONSchema.make(Schema.Array(Schema.String))))
