/**
 * Index settings and mappings, field for field those TestPlanIt's search queries expect
 * (its ENTITY_MAPPINGS, plus the `name.suggest` completion field of its repository-cases
 * index). Only core Elasticsearch field types and analyzers: no plugin or module is needed.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { SearchEntity } from './entities';

type Properties = Record<string, estypes.MappingProperty>;

const integer = { type: 'integer' } as const;
const keyword = { type: 'keyword' } as const;
const text = { type: 'text' } as const;
const date = { type: 'date' } as const;
const boolean = { type: 'boolean' } as const;
const float = { type: 'float' } as const;

const searchableName: estypes.MappingProperty = {
  type: 'text',
  analyzer: 'standard',
  fields: { keyword: { type: 'keyword', ignore_above: 256 } },
};

const optionProperties: Properties = {
  id: integer,
  name: keyword,
  icon: { type: 'object', properties: { name: keyword } },
  iconColor: { type: 'object', properties: { value: keyword } },
};

const tags: estypes.MappingProperty = { type: 'nested', properties: { id: integer, name: keyword } };

const common: Properties = {
  id: integer,
  projectId: integer,
  projectName: keyword,
  projectIconUrl: keyword,
  createdAt: date,
  updatedAt: date,
  createdById: keyword,
  createdByName: keyword,
  createdByImage: keyword,
  searchableContent: searchableName,
  customFields: {
    type: 'nested',
    properties: {
      fieldId: integer,
      fieldName: keyword,
      fieldType: keyword,
      value: text,
      valueKeyword: keyword,
      valueNumeric: { type: 'double' },
      valueBoolean: boolean,
      valueDate: date,
      valueArray: keyword,
      fieldOption: { type: 'object', properties: optionProperties },
      fieldOptions: { type: 'nested', properties: optionProperties },
    },
  },
};

const workState: Properties = { stateId: integer, stateName: keyword, stateIcon: keyword, stateColor: keyword };
const forecasts: Properties = { forecastManual: integer, forecastAutomated: float };

const PROPERTIES: Record<SearchEntity, Properties> = {
  repositoryCases: {
    ...common,
    ...workState,
    ...forecasts,
    repositoryId: integer,
    folderId: integer,
    folderPath: keyword,
    templateId: integer,
    templateName: keyword,
    name: {
      type: 'text',
      analyzer: 'standard',
      fields: { keyword: { type: 'keyword', ignore_above: 256 }, suggest: { type: 'completion' } },
    },
    className: keyword,
    source: keyword,
    estimate: integer,
    automated: boolean,
    isArchived: boolean,
    isDeleted: boolean,
    creatorId: keyword,
    creatorName: text,
    creatorImage: keyword,
    tags,
    steps: {
      type: 'nested',
      properties: {
        id: integer,
        order: integer,
        step: text,
        expectedResult: text,
        isSharedStep: boolean,
        sharedStepGroupId: integer,
        sharedStepGroupName: text,
      },
    },
  },
  sharedSteps: {
    ...common,
    name: searchableName,
    isDeleted: boolean,
    items: { type: 'nested', properties: { id: integer, order: integer, step: text, expectedResult: text } },
  },
  testRuns: {
    ...common,
    ...workState,
    ...forecasts,
    name: searchableName,
    note: text,
    docs: text,
    configId: integer,
    configurationName: keyword,
    milestoneId: integer,
    milestoneName: keyword,
    elapsed: integer,
    isCompleted: boolean,
    isDeleted: boolean,
    completedAt: date,
    testRunType: keyword,
    tags,
  },
  sessions: {
    ...common,
    ...workState,
    ...forecasts,
    templateId: integer,
    templateName: keyword,
    name: searchableName,
    note: text,
    mission: text,
    configId: integer,
    configurationName: keyword,
    milestoneId: integer,
    milestoneName: keyword,
    assignedToId: keyword,
    assignedToName: keyword,
    assignedToImage: keyword,
    estimate: integer,
    elapsed: integer,
    isCompleted: boolean,
    isDeleted: boolean,
    completedAt: date,
    tags,
  },
  projects: {
    id: integer,
    name: searchableName,
    iconUrl: keyword,
    note: text,
    docs: text,
    isDeleted: boolean,
    createdAt: date,
    createdById: keyword,
    createdByName: keyword,
    createdByImage: keyword,
    searchableContent: text,
  },
  issues: {
    ...common,
    name: searchableName,
    title: searchableName,
    description: text,
    externalId: keyword,
    note: text,
    url: keyword,
    issueSystem: text,
    isDeleted: boolean,
  },
  milestones: {
    ...common,
    name: searchableName,
    note: text,
    docs: text,
    milestoneTypeId: integer,
    milestoneTypeName: keyword,
    milestoneTypeIcon: keyword,
    parentId: integer,
    parentName: keyword,
    dueDate: date,
    isCompleted: boolean,
    completedAt: date,
    isDeleted: boolean,
  },
};

/** TestPlanIt's analysis settings: one shard, its `standard` analyzer with English stop words. */
export function indexSettings(replicas: number): estypes.IndicesIndexSettings {
  return {
    number_of_shards: 1,
    number_of_replicas: replicas,
    analysis: { analyzer: { standard: { type: 'standard', stopwords: '_english_' } } },
  };
}

export function indexMappings(entity: SearchEntity): estypes.MappingTypeMapping {
  return { properties: PROPERTIES[entity] };
}
