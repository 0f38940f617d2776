import type { ComponentProps } from 'react'
import { cn } from '@/lib/cn'

/**
 * A table that scrolls sideways inside its card on narrow screens instead of
 * the page. The scroll box is a named, focusable region, so keyboard users
 * can scroll it too (on a phone the last columns are off screen).
 */
export function Table({ className, 'aria-label': label, ...props }: ComponentProps<'table'>) {
  return (
    // `relative` keeps screen-reader-only text (absolutely positioned) inside
    // the scroll box; otherwise it widens the whole page on phones.
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className="relative overflow-x-auto rounded-lg border border-zinc-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
    >
      <table aria-label={label} className={cn('w-full text-left text-sm', className)} {...props} />
    </div>
  )
}

export function Th({ className, ...props }: ComponentProps<'th'>) {
  return (
    <th
      scope="col"
      className={cn('border-b border-zinc-200 bg-zinc-50 px-4 py-2.5 text-xs font-medium tracking-wide whitespace-nowrap text-zinc-600 uppercase', className)}
      {...props}
    />
  )
}

export function Td({ className, ...props }: ComponentProps<'td'>) {
  return <td className={cn('border-b border-zinc-100 px-4 py-3 align-middle text-zinc-700', className)} {...props} />
}
