import type { Component } from 'vue'
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { panels } from './panels'
import DashboardView from './views/DashboardView.vue'
import PlannedPanelView from './views/PlannedPanelView.vue'
import SettingsView from './views/SettingsView.vue'
import SetupView from './views/SetupView.vue'

/** Panels that exist; the others show an honest "not built yet". */
const built: Record<string, Component> = {
  dashboard: DashboardView,
  settings: SettingsView,
  setup: SetupView,
}

const routes: RouteRecordRaw[] = panels.map((panel) => ({
  name: panel.name,
  path: panel.path,
  component: built[panel.name] ?? PlannedPanelView,
  props: built[panel.name] ? false : { panel },
  meta: { title: panel.title },
}))
routes.push({ path: '/:rest(.*)*', redirect: '/' })

// Hash history: the same build works from file:// in Electron and from the browser host.
export const router = createRouter({ history: createWebHashHistory(), routes })

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Gatehouse`
})
