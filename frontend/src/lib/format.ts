const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso))
}

export function formatDate(iso: string): string {
  return date.format(new Date(iso))
}

export function formatUSD(amount: number): string {
  return usd.format(amount)
}

/**
 * A cost as precise as it needs to be: cents for ordinary amounts, and two
 * significant digits below a cent, so a test month's $0.00006 is not shown
 * as $0.00 next to a chart that says otherwise.
 */
export function formatCost(amount: number): string {
  if (amount === 0 || Math.abs(amount) >= 0.01) return usd.format(amount)
  const digits = Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(Math.abs(amount)))))
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits }).format(amount)
}

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
]

/** "3 hours ago", "in 2 days", "just now". */
export function formatRelative(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000)
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit)
  }
  return 'just now'
}
