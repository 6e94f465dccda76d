import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { panels } from './panels'
import DashboardView from './views/DashboardView.vue'
import PlannedPanelView from './views/PlannedPanelView.vue'

const routes: RouteRecordRaw[] = panels.map((panel) => ({
  name: panel.name,
  path: panel.path,
  component: panel.name === 'dashboard' ? DashboardView : PlannedPanelView,
  props: panel.name === 'dashboard' ? false : { panel },
  meta: { title: panel.title },
}))
routes.push({ path: '/:rest(.*)*', redirect: '/' })

// Hash history: the same build works from file:// in Electron and from the browser host.
export const router = createRouter({ history: createWebHashHistory(), routes })

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Gatehouse`
})
