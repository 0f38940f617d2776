import { createLazyRoute } from '@tanstack/react-router'
import { AppShell } from '@/app/shell/app-shell'

export const Route = createLazyRoute('/_app')({ component: AppShell })
