/** Lookups in synthesized templates, shared by the stack tests. */
import { type FunctionId, functions } from "@picstack/infrastructure";
import type { Template } from "aws-cdk-lib/assertions";
import { expect } from "vitest";

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
};

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

export function resourcesOf(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

/** The single resource of a type, failing the test if there is not exactly one. */
export function onlyOf(template: Template, type: string): [string, Resource] {
  const found = resourcesOf(template, type);
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
}

/** The Lambda function built for a declared function: SST names it by id; the description is declared. */
export function lambdaOf(template: Template, id: FunctionId): [string, Resource] {
  const matches = resourcesOf(template, "AWS::Lambda::Function").filter(
    ([logicalId, r]) => logicalId.startsWith(id) && r.Properties.Description === functions[id].description,
  );
  expect(matches, `Lambda function for ${id}`).toHaveLength(1);
  return matches[0] as [string, Resource];
}

/** The event source mapping that feeds the declared queue consumer `id` in `template`. */
export function mappingOf(template: Template, id: FunctionId): Resource {
  const [fnId] = lambdaOf(template, id);
  const found = resourcesOf(template, "AWS::Lambda::EventSourceMapping").filter(
    ([, m]) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
  );
  expect(found, `event source mapping of ${id}`).toHaveLength(1);
  return (found[0] as [string, Resource])[1];
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every identity policy attached to a Lambda function's role. */
export function roleStatementsOf(template: Template, fn: Resource): Statement[] {
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return resourcesOf(template, "AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Every policy statement in a template: identity policies, inline role policies, bucket and queue policies. */
export function allStatementsOf(template: Template): Statement[] {
  const documents: unknown[] = [
    ...resourcesOf(template, "AWS::IAM::Policy").map(([, r]) => r.Properties.PolicyDocument),
    ...resourcesOf(template, "AWS::IAM::Role").flatMap(([, r]) =>
      ((r.Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map(
        (p) => p.PolicyDocument,
      ),
    ),
    ...resourcesOf(template, "AWS::S3::BucketPolicy").map(([, r]) => r.Properties.PolicyDocument),
    ...resourcesOf(template, "AWS::SQS::QueuePolicy").map(([, r]) => r.Properties.PolicyDocument),
  ];
  return documents.flatMap((d) => (d as { Statement: Statement[] }).Statement);
}

/** Whether a CloudFormation value refers to a resource, in its own stack or through a cross-stack export. */
export function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value).includes(logicalId);
}

/** The path of an API Gateway resource, from its `ResourceId` reference up to the root. */
export function apiPathOf(template: Template, resourceRef: unknown): string {
  const apiResources = template.findResources("AWS::ApiGateway::Resource") as Record<string, Resource>;
  const path = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    const resource = id ? apiResources[id] : undefined;
    if (!resource) return ""; // the root resource is a GetAtt on the RestApi
    return `${path(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
  };
  return path(resourceRef) || "/";
}
