/** The sidebar, in the order ui.md fixes. `planned` is what an unbuilt panel honestly says. */
export interface Panel {
  readonly name: string
  readonly path: string
  readonly title: string
  readonly planned: string
}

export const panels: readonly Panel[] = [
  {
    name: 'dashboard',
    path: '/',
    title: 'Dashboard',
    planned:
      'The Authentik stack (server, worker, PostgreSQL) with health, Start/Stop/Restart and live logs.',
  },
  {
    name: 'users',
    path: '/users',
    title: 'Users',
    planned: 'Your Authentik users, live from the server: search, create, groups, recovery links.',
  },
  {
    name: 'groups',
    path: '/groups',
    title: 'Groups',
    planned: 'Authentik groups with their members, parents and attributes.',
  },
  {
    name: 'flows',
    path: '/flows',
    title: 'Flows',
    planned: 'Flows by designation, with their stage bindings in order.',
  },
  {
    name: 'invitations',
    path: '/invitations',
    title: 'Invitations',
    planned: 'The invitation-link generator: expiry, single use, a link and QR code to hand out.',
  },
  {
    name: 'integrations',
    path: '/integrations',
    title: 'Integrations',
    planned:
      'Servarr, Nextcloud, Synology DSM, Immich and InvenTree: both sides configured, with live checks.',
  },
  {
    name: 'setup',
    path: '/setup',
    title: 'Setup',
    planned: 'Each section of the setup guide as a recipe: read the plan, then apply it.',
  },
  {
    name: 'settings',
    path: '/settings',
    title: 'Settings',
    planned: 'Base domain, e-mail (SMTP), Authentik version, data folder and Docker connection.',
  },
]
