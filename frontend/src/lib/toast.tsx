import { AlertTriangle, CheckCircle2, Info, X } from 'lucide-react'
import { useEffect, useSyncExternalStore } from 'react'
import { cn } from '@/lib/cn'

// Toasts confirm what just happened ("Changes saved"); errors are shown next
// to the control that failed. They are drawn in the app's own chrome, not
// over the page: in the sidebar on wide screens, and on phones in the top
// bar in place of the logo (the newest one, one line), so a toast can never
// cover a control. Pages outside the shell (sign-in) show them at the bottom.

type Kind = 'success' | 'error' | 'info'
interface Options {
  /** A toast with the id of one still shown replaces it. */
  id?: string
}
interface Toast {
  id: string
  kind: Kind
  message: string
}

const DURATION = 6000
const MAX = 3

let toasts: readonly Toast[] = []
let seq = 0
let shellRegions = 0
const timers = new Map<string, ReturnType<typeof setTimeout>>()
const listeners = new Set<() => void>()
const emit = () => listeners.forEach((l) => l())
const subscribe = (l: () => void) => (listeners.add(l), () => void listeners.delete(l))

function dismiss(id: string) {
  clearTimeout(timers.get(id))
  timers.delete(id)
  toasts = toasts.filter((t) => t.id !== id)
  emit()
}

function show(kind: Kind, message: string, opts?: Options) {
  const id = opts?.id ?? `toast-${++seq}`
  clearTimeout(timers.get(id))
  toasts = [...toasts.filter((t) => t.id !== id), { id, kind, message }].slice(-MAX)
  timers.set(
    id,
    setTimeout(() => dismiss(id), DURATION),
  )
  emit()
}

export const toast = {
  success: (message: string, opts?: Options) => show('success', message, opts),
  error: (message: string, opts?: Options) => show('error', message, opts),
  info: (message: string, opts?: Options) => show('info', message, opts),
}

const icon = {
  success: <CheckCircle2 className="mt-0.5 size-4 shrink-0 text-emerald-700" aria-hidden />,
  error: <AlertTriangle className="mt-0.5 size-4 shrink-0 text-red-700" aria-hidden />,
  info: <Info className="mt-0.5 size-4 shrink-0 text-brand-700" aria-hidden />,
}

/** The toasts shown now (the shell swaps its phone logo for them). */
export function useToasts(): readonly Toast[] {
  return useSyncExternalStore(
    subscribe,
    () => toasts,
    () => toasts,
  )
}

function ToastList({ className, compact = false }: { className?: string; compact?: boolean }) {
  const all = useToasts()
  const list = compact ? all.slice(-1) : all
  // The live region stays in the page (empty, taking no room) so that a
  // toast added to it is announced.
  return (
    <div role="log" aria-live="polite" aria-label="Notifications" className={cn('space-y-2', list.length > 0 && className)} data-toasts="">
      {list.map((t) => (
        <div
          key={t.id}
          data-toast={t.kind}
          className="flex items-start gap-2 rounded-md border border-zinc-200 bg-white px-3 py-2 text-sm text-zinc-900 shadow-sm"
        >
          {icon[t.kind]}
          <span className="min-w-0 flex-1 break-words">{t.message}</span>
          <button
            type="button"
            onClick={() => dismiss(t.id)}
            aria-label="Dismiss"
            className="-m-1 rounded p-1 text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            <X className="size-3.5" aria-hidden />
          </button>
        </div>
      ))}
    </div>
  )
}

/** Where the shell shows toasts, in its own layout (never over the page). */
export function ToastRegion({ className, compact = false }: { className?: string; compact?: boolean }) {
  useEffect(() => {
    shellRegions++
    emit()
    return () => {
      shellRegions--
      emit()
    }
  }, [])
  return <ToastList className={className} compact={compact} />
}

/** Toasts for pages outside the shell: at the bottom of the screen. */
export function Toasts() {
  const inShell = useSyncExternalStore(
    subscribe,
    () => shellRegions > 0,
    () => false,
  )
  if (inShell) return null
  return <ToastList className="fixed inset-x-4 bottom-4 z-50 mx-auto max-w-sm" />
}
