import type { Component } from 'vue'
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { panels } from './panels'
import DashboardView from './views/DashboardView.vue'
import FlowsView from './views/FlowsView.vue'
import GroupsView from './views/GroupsView.vue'
import InvitationsView from './views/InvitationsView.vue'
import IntegrationsView from './views/IntegrationsView.vue'
import SettingsView from './views/SettingsView.vue'
import SetupView from './views/SetupView.vue'
import UsersView from './views/UsersView.vue'

/** One view per sidebar panel; a panel without a view is a type error. */
const views: Record<(typeof panels)[number]['name'], Component> = {
  dashboard: DashboardView,
  settings: SettingsView,
  setup: SetupView,
  users: UsersView,
  groups: GroupsView,
  flows: FlowsView,
  invitations: InvitationsView,
  integrations: IntegrationsView,
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
