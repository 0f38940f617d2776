import '@testing-library/jest-dom/vitest'
import { cleanup, configure } from '@testing-library/react'
import { afterEach, vi } from 'vitest'

// The machine's CPUs are shared: give findBy* and waitFor time to see a
// page that loads its code lazily.
configure({ asyncUtilTimeout: 5000 })

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
  // jsdom has no media queries: every query answers as on a wide screen.
  window.matchMedia ??= (query: string) =>
    ({
      matches: true,
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList
  Element.prototype.scrollIntoView ??= function scrollIntoView() {}
  Element.prototype.hasPointerCapture ??= () => false
  Element.prototype.releasePointerCapture ??= () => {}
}
