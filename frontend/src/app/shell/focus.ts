import { useRouter } from '@tanstack/react-router'
import { useEffect } from 'react'

/**
 * After a navigation to another page, moves focus to the page's heading, so
 * keyboard and screen-reader users start at the content (announced by its
 * title) instead of at the top of the sidebar, and never on the body. The
 * first page load keeps the browser's own focus (a form's autofocus).
 */
export function useFocusHeadingOnNavigation() {
  const router = useRouter()
  useEffect(
    () =>
      router.subscribe('onRendered', (e) => {
        if (e.fromLocation && e.pathChanged) focusHeading()
      }),
    [router],
  )
}

/** Focuses the first h1 (the page title) within scope, or the given heading. */
export function focusHeading(target: ParentNode | HTMLElement | null = document) {
  const h = target instanceof HTMLHeadingElement ? target : target?.querySelector<HTMLElement>('main h1, h1')
  if (!h) return
  if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1')
  h.focus()
}
