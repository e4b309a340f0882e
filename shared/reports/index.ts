export * from './JobReport';
export * from './buildJobReport';
export * from './escapeHtml';
export * from './reportTables';
export * from './renderJobReportHtml';
export * from './renderJobReportXlsx';
export * from './parseAuditFilter';
export * from './JobExporter';
