import type { components } from '@/api/schema.gen'

export type Role = components['schemas']['Role']

export const roles: ReadonlyArray<{ value: Role; label: string; description: string }> = [
  { value: 'owner', label: 'Owner', description: 'Everything, including billing and other owners.' },
  { value: 'admin', label: 'Admin', description: 'Manages agents, channels, keys, tokens and members.' },
  { value: 'member', label: 'Member', description: 'Reads everything; changes nothing.' },
]

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 }

/** Whether `role` is `min` or higher (`owner` > `admin` > `member`). */
export function hasRole(role: Role, min: Role): boolean {
  return rank[role] >= rank[min]
}

export function roleLabel(role: Role): string {
  return roles.find((r) => r.value === role)?.label ?? role
}
