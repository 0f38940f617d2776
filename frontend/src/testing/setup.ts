import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterEach, vi } from 'vitest'

// Pure-logic tests run in Node (`// @vitest-environment node`, much faster
// to start); components run in jsdom.
const dom = typeof window !== 'undefined'

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  if (dom) {
    cleanup()
    localStorage.clear()
  }
})

if (dom) {
  // Radix primitives measure and capture pointers; jsdom has none of it.
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  globalThis.ResizeObserver ??= ResizeObserverStub
  Element.prototype.scrollIntoView ??= function scrollIntoView() {}
  Element.prototype.hasPointerCapture ??= () => false
  Element.prototype.releasePointerCapture ??= () => {}
}
