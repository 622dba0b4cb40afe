/**
 * One timer per request, re-armed lazily: the headers timeout, then the idle timeout of
 * the body, share it. Arming again only moves a deadline (one clock read); the underlying
 * timer wakes at most once per elapsed period and sleeps again for what is left.
 *
 * On Effect's live clock the timer is a plain `setTimeout` (unref'd: it never keeps the
 * process alive by itself); on any other `Clock` (`TestClock`) it is that clock's `sleep`,
 * so virtual time drives it.
 *
 * @internal
 */
import { Clock, Duration, Effect, Exit, FiberId } from "effect"

const liveClockPrototype: unknown = Object.getPrototypeOf(Clock.make())
const maxTimerMillis = 2 ** 31 - 1

/** @internal */
export class Watchdog {
  private due = Number.POSITIVE_INFINITY
  /** When the underlying timer wakes; `Infinity` when none is running. */
  private wakeAt = Number.POSITIVE_INFINITY
  private cancelTimer: (() => void) | undefined = undefined
  private onFire: (() => void) | undefined = undefined
  private readonly live: boolean

  constructor(private readonly clock: Clock.Clock) {
    this.live = Object.getPrototypeOf(clock) === liveClockPrototype
  }

  /** Calls `onFire` once, `millis` from now, unless armed again, disarmed or cleared before. */
  arm(millis: number, onFire: () => void): void {
    this.onFire = onFire
    const now = this.clock.unsafeCurrentTimeMillis()
    const due = now + millis
    this.due = due
    if (due < this.wakeAt) {
      this.stopTimer()
      this.schedule(now, due)
    }
  }

  /** No deadline for now (the timer, if running, wakes and finds nothing due). */
  disarm(): void {
    this.due = Number.POSITIVE_INFINITY
  }

  /** No deadline, and no timer left running. */
  clear(): void {
    this.due = Number.POSITIVE_INFINITY
    this.onFire = undefined
    this.stopTimer()
  }

  private stopTimer(): void {
    const cancel = this.cancelTimer
    this.cancelTimer = undefined
    this.wakeAt = Number.POSITIVE_INFINITY
    if (cancel !== undefined) cancel()
  }

  private readonly wake = (): void => {
    this.cancelTimer = undefined
    this.wakeAt = Number.POSITIVE_INFINITY
    const due = this.due
    if (due === Number.POSITIVE_INFINITY) return
    const now = this.clock.unsafeCurrentTimeMillis()
    if (now >= due) {
      const onFire = this.onFire
      this.due = Number.POSITIVE_INFINITY
      this.onFire = undefined
      if (onFire !== undefined) onFire()
    } else {
      this.schedule(now, due)
    }
  }

  private schedule(now: number, due: number): void {
    const millis = Math.min(Math.max(0, due - now), maxTimerMillis)
    this.wakeAt = now + millis
    if (this.live) {
      const handle = setTimeout(this.wake, millis)
      handle.unref()
      this.cancelTimer = () => clearTimeout(handle)
      return
    }
    const fiber = Effect.runFork(this.clock.sleep(Duration.millis(millis)))
    let cancelled = false
    fiber.addObserver((exit) => {
      if (!cancelled && Exit.isSuccess(exit)) this.wake()
    })
    this.cancelTimer = () => {
      cancelled = true
      fiber.unsafeInterruptAsFork(FiberId.none)
    }
  }
}
