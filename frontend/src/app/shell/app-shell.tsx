import * as Drawer from '@radix-ui/react-dialog'
import { useQuery } from '@tanstack/react-query'
import { getRouteApi, Link, Outlet, useRouter, useRouterState } from '@tanstack/react-router'
import { BookOpen, LogOut, Menu, X } from 'lucide-react'
import { useEffect, useState, useSyncExternalStore } from 'react'
import { Logo } from '@/components/logo'
import { Button } from '@/components/ui/button'
import { meQueryOptions } from '@/features/auth/api/get-me'
import { useSignOut } from '@/features/auth/api/sign-out'
import { TenantSwitcher } from '@/features/tenants/components/tenant-switcher'
import { storeTenant } from '@/lib/current-tenant'
import { ToastRegion, useToasts } from '@/lib/toast'
import { hasRole } from '@/lib/roles'
import { mainNav } from './nav'

const appRoute = getRouteApi('/_app')

// The sidebar shows from Tailwind's lg breakpoint; the phone layout below it.
const wideQuery = '(min-width: 1024px)'
function useWide(): boolean {
  return useSyncExternalStore(
    (l) => {
      const mq = window.matchMedia(wideQuery)
      mq.addEventListener('change', l)
      return () => mq.removeEventListener('change', l)
    },
    () => window.matchMedia(wideQuery).matches,
    () => true,
  )
}

/** Sidebar on wide screens, a top bar with a drawer on phones. */
export function AppShell() {
  const [menuOpen, setMenuOpen] = useState(false)
  const wide = useWide()
  const toastCount = useToasts().length
  const pathname = useRouterState({ select: (s) => s.location.pathname })
  useEffect(() => setMenuOpen(false), [pathname])

  return (
    <div className="min-h-dvh bg-zinc-50 lg:flex">
      {/* The first Tab of every page: past the sidebar, straight to the content
          (focus moves there without changing the URL). */}
      <a
        href="#main"
        onClick={(e) => {
          e.preventDefault()
          document.getElementById('main')?.focus()
        }}
        className="sr-only z-50 rounded-md bg-white px-3 py-2 text-sm font-medium shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <aside className="hidden border-r border-zinc-200 bg-white lg:sticky lg:top-0 lg:block lg:h-dvh lg:w-64 lg:shrink-0" aria-label="Sidebar">
        <SidebarContent toasts={wide} />
      </aside>

      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-30 border-b border-zinc-200 bg-white lg:hidden">
          <div className="flex h-14 items-center justify-between gap-2 px-4">
            {/* On phones a toast takes the logo's place in the bar (one line,
                the newest), so it never covers the page or grows the bar. */}
            {!wide && <ToastRegion compact className="min-w-0 flex-1" />}
            {(wide || toastCount === 0) && <Logo />}
            <Drawer.Root open={menuOpen} onOpenChange={setMenuOpen}>
              <Drawer.Trigger asChild>
                <Button variant="ghost" size="icon" aria-label="Open menu">
                  <Menu className="size-5" aria-hidden />
                </Button>
              </Drawer.Trigger>
              <Drawer.Portal>
                <Drawer.Overlay className="fixed inset-0 z-40 bg-zinc-950/40 lg:hidden" />
                <Drawer.Content
                  className="fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] bg-white shadow-xl focus:outline-none lg:hidden"
                  aria-describedby={undefined}
                >
                  <Drawer.Title className="sr-only">Menu</Drawer.Title>
                  <Drawer.Close asChild>
                    <Button variant="ghost" size="icon" aria-label="Close menu" className="absolute top-3 right-3 z-10">
                      <X className="size-5" aria-hidden />
                    </Button>
                  </Drawer.Close>
                  <SidebarContent />
                </Drawer.Content>
              </Drawer.Portal>
            </Drawer.Root>
          </div>
        </header>

        <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none sm:px-6 lg:px-8 lg:py-8">
          <Outlet />
        </main>
      </div>
    </div>
  )
}

function SidebarContent({ toasts = false }: { toasts?: boolean }) {
  const { user, membership } = appRoute.useRouteContext()
  const router = useRouter()
  // Live memberships, so a new or renamed workspace shows at once.
  const me = useQuery(meQueryOptions())
  const memberships = me.data?.memberships ?? [membership]
  const signOut = useSignOut({ onSettled: () => void router.navigate({ to: '/sign-in', replace: true }) })

  const switchTenant = (tenantId: string) => {
    if (tenantId === membership.tenant_id) return
    storeTenant(tenantId)
    void router.navigate({ to: '/', search: {} })
  }

  return (
    <div className="flex h-full flex-col">
      <div className="px-4 pt-4 pb-3">
        <Logo className="mb-4 hidden lg:flex" />
        <div className="pr-10 lg:pr-0">
          <TenantSwitcher memberships={memberships} currentId={membership.tenant_id} onSwitch={switchTenant} />
        </div>
      </div>
      <nav aria-label="Main" className="flex-1 space-y-0.5 overflow-y-auto px-3 py-2">
        {mainNav
          .filter((item) => !item.minRole || hasRole(membership.role, item.minRole))
          .map((item) => (
            <Link
              key={item.to}
              to={item.to}
              activeOptions={{ exact: item.to === '/' }}
              className="flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 hover:text-zinc-900 data-[status=active]:bg-brand-50 data-[status=active]:text-brand-700"
            >
              <item.icon className="size-4" aria-hidden />
              {item.label}
            </Link>
          ))}
      </nav>
      {/* Toasts take their own room above the footer, never over the page. */}
      {toasts && <ToastRegion className="px-3 pb-3" />}
      <div className="border-t border-zinc-200 p-3">
        <a
          href="/api/docs"
          target="_blank"
          rel="noopener"
          className="flex items-center gap-3 rounded-md px-3 py-2 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900"
        >
          <BookOpen className="size-4" aria-hidden /> API docs
        </a>
        <div className="mt-2 flex items-center gap-3 rounded-md px-3 py-2">
          <div className="min-w-0 flex-1">
            <p className="truncate text-sm font-medium text-zinc-900">{user.name}</p>
            <p className="truncate text-xs text-zinc-600">{user.email}</p>
          </div>
          <Button variant="ghost" size="icon" aria-label="Sign out" pending={signOut.isPending} onClick={() => signOut.mutate()}>
            {!signOut.isPending && <LogOut className="size-4" aria-hidden />}
          </Button>
        </div>
      </div>
    </div>
  )
}
