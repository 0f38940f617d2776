import { describe, expect, it } from 'vitest'
import { FAST_POLLS, POLL_FAST_MS, POLL_SLOW_MS, isWorking, pollInterval } from './polling'

describe('pollInterval', () => {
  it('does not poll before the list has loaded or when it is empty', () => {
    expect(pollInterval(undefined)).toBe(false)
    expect(pollInterval([])).toBe(false)
  })

  it('does not poll when every source has settled', () => {
    expect(pollInterval([{ status: 'ready' }, { status: 'failed' }])).toBe(false)
  })

  it.each(['queued', 'fetching', 'indexing'])('polls while a source is %s', (status) => {
    expect(pollInterval([{ status: 'ready' }, { status }])).toBe(POLL_FAST_MS)
  })

  it('slows down for a long crawl, but keeps looking', () => {
    expect(pollInterval([{ status: 'fetching' }], FAST_POLLS - 1)).toBe(POLL_FAST_MS)
    expect(pollInterval([{ status: 'fetching' }], FAST_POLLS)).toBe(POLL_SLOW_MS)
  })

  it('treats a state it does not know as settled (no polling on guesses)', () => {
    expect(isWorking('paused')).toBe(false)
    expect(pollInterval([{ status: 'paused' }])).toBe(false)
  })
})
