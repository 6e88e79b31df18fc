/**
 * Workflow histories as proto3 JSON (the format of `temporal workflow show --output json` and the
 * Web UI's download), for the replay test and scripts/record-histories.ts.
 *
 * The SDK's `historyToJSON` / `historyFromJSON` (@temporalio/common/lib/proto-utils) are used when
 * they work. In this lockfile's layout they throw "type must be a Type": @temporalio/common and
 * @temporalio/proto each get their own nested copy of protobufjs 8 (the root slot holds the 7.x
 * that @grpc/proto-loader needs), and protobufjs's ProtoJSON extension from one copy refuses the
 * other copy's reflected types. The fallback does what those functions do with the ProtoJSON
 * extension of the very copy @temporalio/proto uses, so the output is the same.
 */
import * as path from 'node:path';
import * as sdk from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

interface ProtoJson {
  toJson(type: unknown, message: unknown, options?: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: unknown): unknown;
}

let sameCopy: { protojson: ProtoJson; historyType: unknown } | undefined;

function protoJsonOfProtoPackage(): { protojson: ProtoJson; historyType: unknown } {
  if (!sameCopy) {
    const protoPackageDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
    const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoPackageDir] })) as ProtoJson;
    const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
    sameCopy = { protojson, historyType: root.lookupType('temporal.api.history.v1.History') };
  }
  return sameCopy;
}

function isSplitProtobufjs(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'type must be a Type';
}

/** A history (as `handle.fetchHistory()` returns it) as proto3 JSON text. */
export function historyToJSON(history: History): string {
  try {
    return sdk.historyToJSON(history);
  } catch (error) {
    if (!isSplitProtobufjs(error)) throw error;
  }
  const { protojson, historyType } = protoJsonOfProtoPackage();
  return JSON.stringify(
    protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)),
    null,
    2,
  );
}

/** A history parsed from proto3 JSON (what `historyToJSON` wrote). */
export function historyFromJSON(json: unknown): History {
  try {
    return sdk.historyFromJSON(json);
  } catch (error) {
    if (!isSplitProtobufjs(error)) throw error;
  }
  const { protojson, historyType } = protoJsonOfProtoPackage();
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history) throw new TypeError('Invalid history');
  return history;
}
