/** The sidebar, in the order ui.md fixes. */
export interface Panel {
  readonly name: string
  readonly path: string
  readonly title: string
}

export const panels = [
  {
    name: 'dashboard',
    path: '/',
    title: 'Dashboard',
  },
  {
    name: 'users',
    path: '/users',
    title: 'Users',
  },
  {
    name: 'groups',
    path: '/groups',
    title: 'Groups',
  },
  {
    name: 'flows',
    path: '/flows',
    title: 'Flows',
  },
  {
    name: 'invitations',
    path: '/invitations',
    title: 'Invitations',
  },
  {
    name: 'events',
    path: '/events',
    title: 'Events',
  },
  {
    name: 'logs',
    path: '/logs',
    title: 'Logs',
  },
  {
    name: 'integrations',
    path: '/integrations',
    title: 'Integrations',
  },
  {
    name: 'setup',
    path: '/setup',
    title: 'Setup',
  },
  {
    name: 'settings',
    path: '/settings',
    title: 'Settings',
  },
] as const satisfies readonly Panel[]
