/**
 * The mapping configuration the web app's configurator stores on `TestmoImportJob.configuration`
 * (TestPlanIt's `TestmoMappingConfiguration`): per Testmo id, `map` it to an existing TestPlanIt
 * row or `create` one. Parsed once per chunk; an entry the import needs but the user left out
 * is matched by name, or created from the export's own row.
 */
import { z } from 'zod';

const id = z.coerce.number().int().positive();
const optionalId = id.nullish();

const entry = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ action: z.enum(['map', 'create']), mappedTo: optionalId, name: z.string().nullish(), ...shape }).loose();

const section = <S extends z.ZodType>(schema: S) => z.record(z.string(), schema).default({});

export const mappingConfiguration = z
  .object({
    workflows: section(
      entry({
        workflowType: z.string().nullish(),
        scope: z.string().nullish(),
        iconId: optionalId,
        colorId: optionalId,
      }),
    ),
    statuses: section(
      entry({
        systemName: z.string().nullish(),
        colorId: optionalId,
        aliases: z.string().nullish(),
        isSuccess: z.boolean().optional(),
        isFailure: z.boolean().optional(),
        isCompleted: z.boolean().optional(),
        isEnabled: z.boolean().optional(),
      }),
    ),
    tags: section(entry({})),
    milestoneTypes: section(entry({ iconId: optionalId, isDefault: z.boolean().optional() })),
    configurations: section(entry({})),
    templates: section(entry({})),
    templateFields: section(
      entry({
        displayName: z.string().nullish(),
        systemName: z.string().nullish(),
        typeName: z.string().nullish(),
        isRequired: z.boolean().optional(),
      }),
    ),
    users: section(
      entry({
        mappedTo: z.string().nullish(),
        email: z.string().nullish(),
        access: z.enum(['NONE', 'USER', 'PROJECTADMIN', 'ADMIN']).nullish(),
        roleId: optionalId,
        isActive: z.boolean().optional(),
        isApi: z.boolean().optional(),
      }),
    ),
    issueTargets: section(entry({ provider: z.string().nullish() })),
    roles: section(z.unknown()),
    groups: section(z.unknown()),
    customFields: section(z.unknown()),
  })
  .loose();

export type MappingConfiguration = z.infer<typeof mappingConfiguration>;
export type MappingSection = Exclude<keyof MappingConfiguration, 'roles' | 'groups' | 'customFields'>;

/** The user's entry for a Testmo id, if any. */
export function entryFor(
  config: MappingConfiguration,
  section: MappingSection,
  sourceId: number,
): Record<string, unknown> | undefined {
  return (config[section] as Record<string, Record<string, unknown>>)[String(sourceId)];
}
