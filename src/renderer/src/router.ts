import type { RouteComponent } from 'vue-router'
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { panels } from './panels'

/**
 * One view per sidebar panel; a panel without a view is a type error. Each is its own chunk,
 * loaded when first opened, so the shell starts without every panel's code.
 */
const views: Record<(typeof panels)[number]['name'], () => Promise<RouteComponent>> = {
  dashboard: () => import('./views/DashboardView.vue'),
  settings: () => import('./views/SettingsView.vue'),
  setup: () => import('./views/SetupView.vue'),
  users: () => import('./views/UsersView.vue'),
  groups: () => import('./views/GroupsView.vue'),
  flows: () => import('./views/FlowsView.vue'),
  invitations: () => import('./views/InvitationsView.vue'),
  integrations: () => import('./views/IntegrationsView.vue'),
  events: () => import('./views/EventsView.vue'),
  logs: () => import('./views/LogsView.vue'),
}

const routes: RouteRecordRaw[] = panels.map((panel) => ({
  name: panel.name,
  path: panel.path,
  component: views[panel.name],
  meta: { title: panel.title },
}))
routes.push({ path: '/:rest(.*)*', redirect: '/' })

// Hash history: the same build works from file:// in Electron and from the browser host.
export const router = createRouter({ history: createWebHashHistory(), routes })

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Gatehouse`
})
