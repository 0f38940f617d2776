import { BarChart3, Bot, CreditCard, LayoutDashboard, ScrollText, Settings, type LucideIcon } from 'lucide-react'
import type { Role } from '@/lib/roles'

export interface NavItem {
  to: '/' | '/agents' | '/usage' | '/billing' | '/audit' | '/settings'
  label: string
  icon: LucideIcon
  /** Hidden below this role (the API would answer 403 anyway). */
  minRole?: Role
}

// Onboarding, Channels and Conversations join this list as their API
// endpoints land.
export const mainNav: readonly NavItem[] = [
  { to: '/', label: 'Dashboard', icon: LayoutDashboard },
  { to: '/agents', label: 'Agents', icon: Bot },
  { to: '/usage', label: 'Usage', icon: BarChart3 },
  { to: '/billing', label: 'Billing', icon: CreditCard },
  { to: '/audit', label: 'Audit log', icon: ScrollText, minRole: 'admin' },
  { to: '/settings', label: 'Settings', icon: Settings },
]

export interface SettingsTab {
  to: '/settings/general' | '/settings/members' | '/settings/api-tokens'
  label: string
  minRole?: Role
}

// Channels and LLM keys (`/settings/api-keys`) slot in here.
export const settingsTabs: readonly SettingsTab[] = [
  { to: '/settings/general', label: 'General' },
  { to: '/settings/members', label: 'Members' },
  { to: '/settings/api-tokens', label: 'API tokens', minRole: 'admin' },
]
