/**
 * `client.codex` of the Promise client: usage, cloud tasks, environments, memories, custom
 * instructions.
 *
 * @since 0.1.0
 */
import * as CodexAccount from "../../../CodexAccount.js"
import type { RequestOptions } from "../options.js"
import type { Engine } from "../runtime.js"

/**
 * `client.codex`: usage, cloud tasks, environments, memories, custom instructions.
 *
 * @since 0.1.0
 * @category resources
 */
export class CodexResource {
  readonly tasks: {
    readonly list: (params?: CodexAccount.TaskListParams, options?: RequestOptions) => Promise<CodexAccount.JsonObject>
    readonly retrieve: (taskId: string, options?: RequestOptions) => Promise<CodexAccount.JsonObject>
    readonly turns: {
      readonly list: (taskId: string, options?: RequestOptions) => Promise<CodexAccount.JsonObject>
      readonly siblingTurns: (
        taskId: string,
        turnId: string,
        options?: RequestOptions
      ) => Promise<CodexAccount.JsonObject>
    }
  }
  readonly environments: {
    readonly list: (options?: RequestOptions) => Promise<ReadonlyArray<CodexAccount.JsonObject>>
  }
  readonly memories: {
    readonly list: (options?: RequestOptions) => Promise<CodexAccount.JsonObject>
  }
  readonly userSystemMessages: {
    readonly retrieve: (options?: RequestOptions) => Promise<CodexAccount.JsonObject>
  }

  /** @internal */
  constructor(private readonly engine: Engine) {
    const tag = CodexAccount.CodexAccount
    this.tasks = {
      list: (params, options) => engine.run(tag, (codex) => codex.tasks.list(params), options),
      retrieve: (taskId, options) => engine.run(tag, (codex) => codex.tasks.retrieve(taskId), options),
      turns: {
        list: (taskId, options) => engine.run(tag, (codex) => codex.tasks.turns.list(taskId), options),
        siblingTurns: (taskId, turnId, options) =>
          engine.run(tag, (codex) => codex.tasks.turns.siblingTurns(taskId, turnId), options)
      }
    }
    this.environments = { list: (options) => engine.run(tag, (codex) => codex.environments.list(), options) }
    this.memories = { list: (options) => engine.run(tag, (codex) => codex.memories.list(), options) }
    this.userSystemMessages = {
      retrieve: (options) => engine.run(tag, (codex) => codex.userSystemMessages.retrieve(), options)
    }
  }

  /** `GET /wham/usage`: plan, usage windows, credits. */
  usage(options?: RequestOptions): Promise<CodexAccount.Usage> {
    return this.engine.run(CodexAccount.CodexAccount, (codex) => codex.usage(), options)
  }
}
