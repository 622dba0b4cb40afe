import { JSONSchema, Schema } from "effect"
const Address = Schema.Struct({ street: Schema.String }).annotations({ identifier: "Address" })
console.log(JSON.stringify(JSONSchema.make(Schema.Struct({ a: Address, b: Schema.Array(Address) }))))
interface Cat { readonly name: string; readonly kids: ReadonlyArray<Cat> }
const Cat = Schema.Struct({ name: Schema.String, kids: Schema.Array(Schema.suspend((): Schema.Schema<Cat> => Cat)) }).annotations({ identifier: "Cat" })
const defs = {}
console.log(JSON.stringify(JSONSchema.fromAST(Cat.ast, { definitions: defs, topLevelReferenceStrategy: "skip" })), JSON.stringify(defs))
console.log(JSON.stringify(JSONSchema.make(Schema.Struct({ a: Schema.String.annotations({ identifier: "Foo", description: "d" }) }))))
