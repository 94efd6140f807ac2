CREATE OR REPLACE TABLE `p.graph.v_patient_0123456789abcdef01234567` AS
SELECT id, gender, birth_date, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    id AS id,
    JSON_VALUE(resource, '$.gender') AS gender,
    JSON_VALUE(resource, '$.birthDate') AS birth_date,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Patient`
  WHERE load_job_id IN ('bqload_a', 'bqload_b')
)
WHERE id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.v_encounter_0123456789abcdef01234567` AS
SELECT id, status, class_code, period_start, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    id AS id,
    JSON_VALUE(resource, '$.status') AS status,
    JSON_VALUE(resource, '$.class.code') AS class_code,
    FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', event_time) AS period_start,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Encounter`
  WHERE load_job_id IN ('bqload_a', 'bqload_b')
)
WHERE id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.v_practitioner_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS active, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.v_organization_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS type_code, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.v_location_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS status, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.v_condition_0123456789abcdef01234567` AS
SELECT id, system, code, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    JSON_VALUE(resource, '$.code.coding[0].system') || '|' || JSON_VALUE(resource, '$.code.coding[0].code') AS id,
    JSON_VALUE(resource, '$.code.coding[0].system') AS system,
    JSON_VALUE(resource, '$.code.coding[0].code') AS code,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Condition`
  WHERE load_job_id IN ('bqload_a', 'bqload_b')
)
WHERE id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.v_observation_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS system, CAST(NULL AS STRING) AS code, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.v_medication_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS system, CAST(NULL AS STRING) AS code, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.v_procedure_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS system, CAST(NULL AS STRING) AS code, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.e_patient_encounter_0123456789abcdef01234567` AS
SELECT from_id, to_id, period_start, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    patient_id AS from_id,
    id AS to_id,
    FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', event_time) AS period_start,
    id AS _resource_id,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Encounter`
  WHERE load_job_id IN ('bqload_a', 'bqload_b')
)
WHERE from_id IN (SELECT id FROM `p.graph.v_patient_0123456789abcdef01234567`) AND to_id IN (SELECT id FROM `p.graph.v_encounter_0123456789abcdef01234567`)
QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.e_encounter_condition_0123456789abcdef01234567` AS
SELECT from_id, to_id, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    CASE WHEN STARTS_WITH(JSON_VALUE(resource, '$.encounter.reference'), 'urn:uuid:') THEN SUBSTR(JSON_VALUE(resource, '$.encounter.reference'), 10) ELSE SUBSTR(JSON_VALUE(resource, '$.encounter.reference'), 11) END AS from_id,
    JSON_VALUE(resource, '$.code.coding[0].system') || '|' || JSON_VALUE(resource, '$.code.coding[0].code') AS to_id,
    id AS _resource_id,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Condition`
  WHERE load_job_id IN ('bqload_a', 'bqload_b') AND (STARTS_WITH(JSON_VALUE(resource, '$.encounter.reference'), 'Encounter/') OR STARTS_WITH(JSON_VALUE(resource, '$.encounter.reference'), 'urn:uuid:'))
)
WHERE from_id IN (SELECT id FROM `p.graph.v_encounter_0123456789abcdef01234567`) AND to_id IN (SELECT id FROM `p.graph.v_condition_0123456789abcdef01234567`)
QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.e_patient_condition_0123456789abcdef01234567` AS
SELECT from_id, to_id, onset, clinical_status, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    patient_id AS from_id,
    JSON_VALUE(resource, '$.code.coding[0].system') || '|' || JSON_VALUE(resource, '$.code.coding[0].code') AS to_id,
    FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', event_time) AS onset,
    JSON_VALUE(resource, '$.clinicalStatus.coding[0].code') AS clinical_status,
    id AS _resource_id,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Condition`
  WHERE load_job_id IN ('bqload_a', 'bqload_b')
)
WHERE from_id IN (SELECT id FROM `p.graph.v_patient_0123456789abcdef01234567`) AND to_id IN (SELECT id FROM `p.graph.v_condition_0123456789abcdef01234567`)
QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.e_patient_observation_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS from_id, CAST(NULL AS STRING) AS to_id, CAST(NULL AS STRING) AS effective, CAST(NULL AS FLOAT64) AS value, CAST(NULL AS STRING) AS unit, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.e_encounter_practitioner_0123456789abcdef01234567` AS
SELECT from_id, to_id, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    id AS from_id,
    CASE WHEN STARTS_WITH(JSON_VALUE(resource, '$.participant[0].individual.reference'), 'urn:uuid:') THEN SUBSTR(JSON_VALUE(resource, '$.participant[0].individual.reference'), 10) ELSE SUBSTR(JSON_VALUE(resource, '$.participant[0].individual.reference'), 14) END AS to_id,
    id AS _resource_id,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Encounter`
  WHERE load_job_id IN ('bqload_a', 'bqload_b') AND (STARTS_WITH(JSON_VALUE(resource, '$.participant[0].individual.reference'), 'Practitioner/') OR STARTS_WITH(JSON_VALUE(resource, '$.participant[0].individual.reference'), 'urn:uuid:'))
)
WHERE from_id IN (SELECT id FROM `p.graph.v_encounter_0123456789abcdef01234567`) AND to_id IN (SELECT id FROM `p.graph.v_practitioner_0123456789abcdef01234567`)
QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.e_encounter_organization_0123456789abcdef01234567` AS
SELECT from_id, to_id, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    id AS from_id,
    CASE WHEN STARTS_WITH(JSON_VALUE(resource, '$.serviceProvider.reference'), 'urn:uuid:') THEN SUBSTR(JSON_VALUE(resource, '$.serviceProvider.reference'), 10) ELSE SUBSTR(JSON_VALUE(resource, '$.serviceProvider.reference'), 14) END AS to_id,
    id AS _resource_id,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Encounter`
  WHERE load_job_id IN ('bqload_a', 'bqload_b') AND (STARTS_WITH(JSON_VALUE(resource, '$.serviceProvider.reference'), 'Organization/') OR STARTS_WITH(JSON_VALUE(resource, '$.serviceProvider.reference'), 'urn:uuid:'))
)
WHERE from_id IN (SELECT id FROM `p.graph.v_encounter_0123456789abcdef01234567`) AND to_id IN (SELECT id FROM `p.graph.v_organization_0123456789abcdef01234567`)
QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.e_encounter_location_0123456789abcdef01234567` AS
SELECT from_id, to_id, '0123456789abcdef01234567' AS graph_version
FROM (
  SELECT
    id AS from_id,
    CASE WHEN STARTS_WITH(JSON_VALUE(resource, '$.location[0].location.reference'), 'urn:uuid:') THEN SUBSTR(JSON_VALUE(resource, '$.location[0].location.reference'), 10) ELSE SUBSTR(JSON_VALUE(resource, '$.location[0].location.reference'), 10) END AS to_id,
    id AS _resource_id,
    export_time AS _export_time,
    ingested_at AS _ingested_at,
    version_id AS _version_id
  FROM `p.deid_raw.Encounter`
  WHERE load_job_id IN ('bqload_a', 'bqload_b') AND (STARTS_WITH(JSON_VALUE(resource, '$.location[0].location.reference'), 'Location/') OR STARTS_WITH(JSON_VALUE(resource, '$.location[0].location.reference'), 'urn:uuid:'))
)
WHERE from_id IN (SELECT id FROM `p.graph.v_encounter_0123456789abcdef01234567`) AND to_id IN (SELECT id FROM `p.graph.v_location_0123456789abcdef01234567`)
QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY _export_time DESC, _ingested_at DESC, _version_id DESC) = 1;

CREATE OR REPLACE TABLE `p.graph.e_patient_medication_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS from_id, CAST(NULL AS STRING) AS to_id, CAST(NULL AS STRING) AS authored, CAST(NULL AS STRING) AS status, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

CREATE OR REPLACE TABLE `p.graph.e_patient_procedure_0123456789abcdef01234567` AS
SELECT CAST(NULL AS STRING) AS from_id, CAST(NULL AS STRING) AS to_id, CAST(NULL AS STRING) AS performed, '0123456789abcdef01234567' AS graph_version
LIMIT 0;

