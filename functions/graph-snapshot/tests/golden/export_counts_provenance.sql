EXPORT DATA OPTIONS(uri='gs://deid/graph/0123456789abcdef01234567/patient/*.parquet', format='PARQUET', overwrite=true) AS
SELECT * FROM `p.graph.v_patient_0123456789abcdef01234567`;

SELECT 'Patient' AS element_type, COUNT(*) AS n FROM `p.graph.v_patient_0123456789abcdef01234567`
UNION ALL
SELECT 'Encounter' AS element_type, COUNT(*) AS n FROM `p.graph.v_encounter_0123456789abcdef01234567`
UNION ALL
SELECT 'Practitioner' AS element_type, COUNT(*) AS n FROM `p.graph.v_practitioner_0123456789abcdef01234567`
UNION ALL
SELECT 'Organization' AS element_type, COUNT(*) AS n FROM `p.graph.v_organization_0123456789abcdef01234567`
UNION ALL
SELECT 'Location' AS element_type, COUNT(*) AS n FROM `p.graph.v_location_0123456789abcdef01234567`
UNION ALL
SELECT 'Condition' AS element_type, COUNT(*) AS n FROM `p.graph.v_condition_0123456789abcdef01234567`
UNION ALL
SELECT 'Observation' AS element_type, COUNT(*) AS n FROM `p.graph.v_observation_0123456789abcdef01234567`
UNION ALL
SELECT 'Medication' AS element_type, COUNT(*) AS n FROM `p.graph.v_medication_0123456789abcdef01234567`
UNION ALL
SELECT 'Procedure' AS element_type, COUNT(*) AS n FROM `p.graph.v_procedure_0123456789abcdef01234567`
UNION ALL
SELECT 'patient_encounter' AS element_type, COUNT(*) AS n FROM `p.graph.e_patient_encounter_0123456789abcdef01234567`
UNION ALL
SELECT 'encounter_condition' AS element_type, COUNT(*) AS n FROM `p.graph.e_encounter_condition_0123456789abcdef01234567`
UNION ALL
SELECT 'patient_condition' AS element_type, COUNT(*) AS n FROM `p.graph.e_patient_condition_0123456789abcdef01234567`
UNION ALL
SELECT 'patient_observation' AS element_type, COUNT(*) AS n FROM `p.graph.e_patient_observation_0123456789abcdef01234567`
UNION ALL
SELECT 'encounter_practitioner' AS element_type, COUNT(*) AS n FROM `p.graph.e_encounter_practitioner_0123456789abcdef01234567`
UNION ALL
SELECT 'encounter_organization' AS element_type, COUNT(*) AS n FROM `p.graph.e_encounter_organization_0123456789abcdef01234567`
UNION ALL
SELECT 'encounter_location' AS element_type, COUNT(*) AS n FROM `p.graph.e_encounter_location_0123456789abcdef01234567`
UNION ALL
SELECT 'patient_medication' AS element_type, COUNT(*) AS n FROM `p.graph.e_patient_medication_0123456789abcdef01234567`
UNION ALL
SELECT 'patient_procedure' AS element_type, COUNT(*) AS n FROM `p.graph.e_patient_procedure_0123456789abcdef01234567`;

SELECT load_job_id, source_object, source_generation, export_job_id, destination_table, UNIX_MICROS(recorded_at) AS recorded_micros
FROM `p.governance.lineage`
WHERE stage = 'bq-load' AND load_job_id IS NOT NULL
ORDER BY recorded_micros, load_job_id;

CREATE TABLE IF NOT EXISTS `p.governance.graph_provenance`
(
  graph_version STRING NOT NULL,
  model_hash STRING NOT NULL,
  element_kind STRING NOT NULL,
  element_type STRING NOT NULL,
  bq_table STRING,
  bq_rows INT64,
  snapshot_uri STRING,
  tigergraph_job_id STRING,
  tigergraph_valid_lines INT64,
  tigergraph_rejected_lines INT64,
  source_load_job_ids ARRAY<STRING>,
  recorded_at TIMESTAMP NOT NULL
);

MERGE `p.governance.graph_provenance` AS T
USING (
  SELECT '0123456789abcdef01234567' AS graph_version, 'modelhash' AS model_hash, 'vertex' AS element_kind, 'Patient' AS element_type, 'p.graph.v_patient_0123456789abcdef01234567' AS bq_table, 3 AS bq_rows, 'gs://deid/graph/0123456789abcdef01234567/patient/*.parquet' AS snapshot_uri, 'load_patient.x.1' AS tigergraph_job_id, 3 AS tigergraph_valid_lines, 0 AS tigergraph_rejected_lines, CAST(['bqload_a', 'bqload_b'] AS ARRAY<STRING>) AS source_load_job_ids, CURRENT_TIMESTAMP() AS recorded_at
) AS S
ON T.graph_version = S.graph_version AND T.element_type = S.element_type
WHEN MATCHED THEN
  UPDATE SET tigergraph_job_id = S.tigergraph_job_id, tigergraph_valid_lines = S.tigergraph_valid_lines, tigergraph_rejected_lines = S.tigergraph_rejected_lines, recorded_at = S.recorded_at
WHEN NOT MATCHED THEN
  INSERT (graph_version, model_hash, element_kind, element_type, bq_table, bq_rows, snapshot_uri, tigergraph_job_id, tigergraph_valid_lines, tigergraph_rejected_lines, source_load_job_ids, recorded_at)
  VALUES (S.graph_version, S.model_hash, S.element_kind, S.element_type, S.bq_table, S.bq_rows, S.snapshot_uri, S.tigergraph_job_id, S.tigergraph_valid_lines, S.tigergraph_rejected_lines, S.source_load_job_ids, S.recorded_at)
