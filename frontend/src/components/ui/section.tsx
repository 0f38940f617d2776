import type { ReactNode } from 'react'

/** A titled card that groups related form fields. */
export function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <section className="rounded-lg border border-zinc-200 bg-white" aria-label={title}>
      <div className="border-b border-zinc-100 px-4 py-3 sm:px-5">
        <h2 className="text-sm font-semibold text-zinc-900">{title}</h2>
        {description && <p className="mt-0.5 text-sm text-zinc-600">{description}</p>}
      </div>
      <div className="space-y-5 px-4 py-5 sm:px-5">{children}</div>
    </section>
  )
}
