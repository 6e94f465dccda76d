import { describe, expect, test } from 'vitest'
import { diffMarkdown, diffSchemas, docFromRaw, type Node } from '../../scripts/schema-diff'

/** Two tiny schemas in drf-spectacular's style, differing the ways Authentik releases do. */
function schema(version: string, changes: (doc: Node) => void): Node {
  const doc: Node = {
    openapi: '3.0.3',
    info: { version },
    paths: {
      '/core/groups/': {
        get: {
          operationId: 'core_groups_list',
          parameters: [{ in: 'query', name: 'name', schema: { type: 'string' } }],
          responses: {
            '200': {
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/GroupList' } },
              },
            },
          },
        },
      },
      '/core/users/{id}/recovery_email/': {
        post: {
          operationId: 'core_users_recovery_email_create',
          parameters: [
            { in: 'path', name: 'id', required: true, schema: { type: 'integer' } },
            { in: 'query', name: 'email_stage', required: true, schema: { type: 'string' } },
          ],
          responses: { '204': { description: 'sent' } },
        },
      },
    },
    components: {
      schemas: {
        GroupList: {
          type: 'object',
          properties: { results: { type: 'array', items: { $ref: '#/components/schemas/Group' } } },
          required: ['results'],
        },
        Group: {
          type: 'object',
          properties: {
            pk: { type: 'string', format: 'uuid', readOnly: true },
            name: { type: 'string', maxLength: 80 },
            parent: { type: 'string', format: 'uuid', nullable: true },
            type: { $ref: '#/components/schemas/TypeEnum' },
            member: { allOf: [{ $ref: '#/components/schemas/GroupMember' }], readOnly: true },
          },
          required: ['pk', 'name'],
        },
        GroupMember: { type: 'object', properties: { pk: { type: 'integer' } } },
        TypeEnum: { enum: ['internal', 'external'], type: 'string' },
      },
    },
  }
  changes(doc)
  return doc
}

const components = (doc: Node) => (doc.components as Node).schemas as Record<string, Node>
const group = (doc: Node) => components(doc).Group as { properties: Node; required: string[] }

describe('schema diff', () => {
  const before = docFromRaw(schema('1.0', () => {}))
  const after = docFromRaw(
    schema('2.0', (doc) => {
      const paths = doc.paths as Record<string, Node>
      const recovery = paths['/core/users/{id}/recovery_email/']!.post as Node
      recovery.parameters = (recovery.parameters as Node[]).slice(0, 1)
      recovery.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/UserRecoveryEmailRequest' },
          },
        },
      }
      paths['/stages/invitation/invitations/{invite_uuid}/send_email/'] = {
        post: { operationId: 'send_email', responses: { '204': { description: 'sent' } } },
      }
      const g = group(doc)
      delete g.properties.parent
      g.properties.parents = { type: 'array', items: { type: 'string', format: 'uuid' } }
      g.properties.name = { type: 'string' }
      g.properties.member = {
        allOf: [{ $ref: '#/components/schemas/PartialUser' }],
        readOnly: true,
        nullable: true,
      }
      g.required = ['pk', 'name', 'parents']
      components(doc).TypeEnum = { enum: ['internal', 'service_account'], type: 'string' }
      components(doc).PartialUser = {
        type: 'object',
        properties: { pk: { type: 'integer' }, username: { type: 'string' } },
      }
      components(doc).UserRecoveryEmailRequest = {
        type: 'object',
        properties: { email_stage: { type: 'string' } },
      }
    }),
  )
  const ops = ['core_groups_list', 'core_users_recovery_email_create', 'send_email', 'gone']
  const diff = diffSchemas(before, after, ops)
  const lines = (id: string) => diff.changedOperations.find((o) => o.id === id)?.lines ?? []
  const fields = (name: string) => diff.components.find((c) => c.name === name)?.lines ?? []

  test('operations added, parameters removed, a body added', () => {
    expect(lines('send_email')).toEqual([
      '**added**: POST `/stages/invitation/invitations/{invite_uuid}/send_email/`',
    ])
    expect(lines('core_users_recovery_email_create')).toEqual([
      'parameter `query:email_stage` **removed**',
      'request body **added** (UserRecoveryEmailRequest, required)',
      'request content types + application/json',
    ])
    // Unchanged operations and ones in neither schema are not listed.
    expect(diff.changedOperations.map((o) => o.id).sort()).toEqual([
      'core_users_recovery_email_create',
      'send_email',
    ])
  })

  test('fields added, removed, retyped, loosened, required; enums; a replaced component', () => {
    expect(fields('Group')).toEqual([
      'Group.parents: **added** (array<string(uuid)>, required)',
      'Group.parent: **removed** (was string(uuid), nullable)',
      'Group.name: no longer maxLength 80',
      'Group.member: type `GroupMember` → `PartialUser`',
      'Group.member: now nullable',
    ])
    expect(fields('TypeEnum')).toEqual([
      'TypeEnum: enum + `service_account`',
      'TypeEnum: enum − `external`',
    ])
    // Reached through Group.member: the replacement is compared with what it replaced.
    expect(fields('GroupMember → PartialUser')).toEqual([
      'PartialUser.username: **added** (string)',
    ])
    expect(diffMarkdown(diff)).toContain('## 1.0 → 2.0')
  })

  test('two identical schemas differ in nothing', () => {
    const same = diffSchemas(before, docFromRaw(schema('1.0', () => {})), ops)
    expect(same.changedOperations).toEqual([])
    expect(same.components).toEqual([])
  })
})
