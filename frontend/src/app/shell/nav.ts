import { BarChart3, BookOpen, Bot, CreditCard, LayoutDashboard, MessagesSquare, Rocket, ScrollText, Settings, type LucideIcon } from 'lucide-react'
import type { Role } from '@/lib/roles'

export interface NavItem {
  to: '/' | '/onboarding' | '/agents' | '/knowledge' | '/conversations' | '/usage' | '/billing' | '/audit' | '/settings'
  label: string
  icon: LucideIcon
  /** Hidden below this role (the API would answer 403 anyway). */
  minRole?: Role
}

export const mainNav: readonly NavItem[] = [
  { to: '/', label: 'Dashboard', icon: LayoutDashboard },
  { to: '/onboarding', label: 'Get started', icon: Rocket, minRole: 'admin' },
  { to: '/agents', label: 'Agents', icon: Bot },
  { to: '/knowledge', label: 'Knowledge', icon: BookOpen },
  { to: '/conversations', label: 'Conversations', icon: MessagesSquare },
  { to: '/usage', label: 'Usage', icon: BarChart3 },
  { to: '/billing', label: 'Billing', icon: CreditCard },
  { to: '/audit', label: 'Audit log', icon: ScrollText, minRole: 'admin' },
  { to: '/settings', label: 'Settings', icon: Settings },
]

export interface SettingsTab {
  to: '/settings/general' | '/settings/members' | '/settings/channels' | '/settings/api-keys' | '/settings/api-tokens' | '/settings/webhooks'
  label: string
  minRole?: Role
}

export const settingsTabs: readonly SettingsTab[] = [
  { to: '/settings/general', label: 'General' },
  { to: '/settings/members', label: 'Members' },
  { to: '/settings/channels', label: 'Channels' },
  { to: '/settings/api-keys', label: 'LLM API keys', minRole: 'admin' },
  { to: '/settings/api-tokens', label: 'API tokens', minRole: 'admin' },
  { to: '/settings/webhooks', label: 'Webhooks', minRole: 'admin' },
]
