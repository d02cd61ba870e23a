/**
 * One platform timer for every renewal pending on Effect's live clock: a
 * binary min-heap of due times. A `setTimeout` per engine costs about 250
 * bytes (the `Timeout`, its list per distinct delay, its arguments); here an
 * engine costs its slot in the heap's array and its own index field. Both
 * Effect lines' session engines use this one heap.
 *
 * @since 0.1.0
 */

/**
 * Something that wants to be called back at `due` (epoch millis of the live clock).
 *
 * @since 0.1.0
 * @category models
 */
export interface Timed {
  /** Due time, read only while the item is in the heap. */
  readonly due: number
  /** Position in the heap, `-1` when not scheduled. Owned by this module. */
  timerIndex: number
  /** Called once `due` has passed, after the item has left the heap. */
  readonly onDue: () => void
}

/** The platform's timers cannot hold longer delays (about 24.8 days): a longer wait is re-armed when it ends. */
const maxDelay = 2 ** 31 - 1

const heap: Array<Timed> = []
let timer: ReturnType<typeof setTimeout> | undefined
/** When `timer` fires. */
let armedFor = Infinity

const less = (a: number, b: number) => heap[a]!.due < heap[b]!.due

const swap = (a: number, b: number) => {
  const x = heap[a]!
  const y = heap[b]!
  heap[a] = y
  heap[b] = x
  y.timerIndex = a
  x.timerIndex = b
}

const up = (i: number) => {
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (!less(i, parent)) return
    swap(i, parent)
    i = parent
  }
}

const down = (i: number) => {
  for (;;) {
    const left = 2 * i + 1
    if (left >= heap.length) return
    const right = left + 1
    const child = right < heap.length && less(right, left) ? right : left
    if (!less(child, i)) return
    swap(i, child)
    i = child
  }
}

const removeAt = (i: number): Timed => {
  const item = heap[i]!
  const last = heap.pop()!
  if (last !== item) {
    heap[i] = last
    last.timerIndex = i
    up(i)
    down(last.timerIndex)
  }
  item.timerIndex = -1
  return item
}

/** Arms the platform timer for the earliest due time, if it is not armed for it already. */
const arm = () => {
  const first = heap[0]
  if (first === undefined) {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    armedFor = Infinity
    return
  }
  if (timer !== undefined && armedFor <= first.due) return
  if (timer !== undefined) clearTimeout(timer)
  armedFor = first.due
  timer = setTimeout(fire, Math.min(maxDelay, Math.max(0, first.due - Date.now())))
}

const fire = () => {
  timer = undefined
  armedFor = Infinity
  const now = Date.now()
  const due: Array<Timed> = []
  while (heap.length > 0 && heap[0]!.due <= now) due.push(removeAt(0))
  arm()
  for (const item of due) item.onDue()
}

/**
 * Calls `item.onDue` once its due time has passed, unless it is cancelled first.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const schedule = (item: Timed): void => {
  if (item.timerIndex >= 0) removeAt(item.timerIndex)
  if (!Number.isFinite(item.due)) return
  item.timerIndex = heap.length
  heap.push(item)
  up(item.timerIndex)
  arm()
}

/**
 * Forgets `item` if it is scheduled.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const cancel = (item: Timed): void => {
  if (item.timerIndex < 0) return
  removeAt(item.timerIndex)
  // A timer armed earlier than the new first due time fires, finds nothing due and re-arms: no need to clear it.
  if (heap.length === 0) arm()
}
