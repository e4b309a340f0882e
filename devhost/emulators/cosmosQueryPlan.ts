/**
 * The plan the local server gives for any query. @azure/cosmos 4.x asks for a plan before every
 * query page (it uses the plan only when the partition answers that it needs one, which this
 * server never does); the gateway in Azure computes plans without reading documents, but
 * cosmosdb-server knows no plan request and ran the query itself, so every query page cost the
 * local server two executions (issue 17: half of its query time during a failover). The
 * local server has one partition and does ORDER BY, TOP, OFFSET and aggregates itself, so the
 * plan leaves nothing to the client: one range over the whole key space, no client-side steps.
 */
export function localQueryPlan(): Record<string, unknown> {
  return {
    partitionedQueryExecutionInfoVersion: 2,
    queryInfo: {
      distinctType: 'None', top: null, offset: null, limit: null,
      orderBy: [], orderByExpressions: [], groupByExpressions: [], groupByAliases: [],
      aggregates: [], groupByAliasToAggregateType: {}, rewrittenQuery: '', hasSelectValue: false, hasNonStreamingOrderBy: false,
    },
    queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
  };
}
