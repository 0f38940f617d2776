import { createFileRoute, Link, Outlet } from '@tanstack/react-router'
import { PageHeader } from '@/components/ui/page-header'

export const Route = createFileRoute('/_app/knowledge')({ component: KnowledgeLayout })

const tabs = [
  { to: '/knowledge', label: 'Sources' },
  { to: '/knowledge/tester', label: 'Retrieval tester' },
  { to: '/knowledge/gaps', label: 'Unanswered questions' },
] as const

function KnowledgeLayout() {
  return (
    <>
      <PageHeader title="Knowledge" description="Documents, pages and snippets your agents answer from, and cite." />
      <nav aria-label="Knowledge" className="-mx-4 mb-6 overflow-x-auto border-b border-zinc-200 px-4 sm:mx-0 sm:px-0">
        <div className="flex gap-6">
          {tabs.map((t) => (
            <Link
              key={t.to}
              to={t.to}
              activeOptions={{ exact: true }}
              className="-mb-px border-b-2 border-transparent py-2.5 text-sm font-medium whitespace-nowrap text-zinc-600 hover:text-zinc-900 data-[status=active]:border-brand-600 data-[status=active]:text-brand-700"
            >
              {t.label}
            </Link>
          ))}
        </div>
      </nav>
      <Outlet />
    </>
  )
}
