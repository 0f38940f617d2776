import { createFileRoute, Link, Outlet } from '@tanstack/react-router'
import { settingsTabs } from '@/app/shell/nav'
import { PageHeader } from '@/components/ui/page-header'
import { hasRole } from '@/lib/roles'

export const Route = createFileRoute('/_app/settings')({ component: SettingsLayout })

function SettingsLayout() {
  const { membership } = Route.useRouteContext()
  return (
    <>
      <PageHeader title="Settings" description={`Workspace settings for ${membership.tenant_name}.`} />
      <nav aria-label="Settings" className="-mx-4 mb-6 overflow-x-auto border-b border-zinc-200 px-4 sm:mx-0 sm:px-0">
        <div className="flex gap-6">
          {settingsTabs
            .filter((t) => !t.minRole || hasRole(membership.role, t.minRole))
            .map((t) => (
              <Link
                key={t.to}
                to={t.to}
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
