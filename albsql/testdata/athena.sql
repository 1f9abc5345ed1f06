CREATE EXTERNAL TABLE IF NOT EXISTS `logs`.`alb_logs` (
  `type` string,
  `time` string,
  `elb` string,
  `client` string,
  `target` string,
  `request_processing_time` string,
  `target_processing_time` string,
  `response_processing_time` string,
  `elb_status_code` string,
  `target_status_code` string,
  `received_bytes` string,
  `sent_bytes` string,
  `request` string,
  `user_agent` string,
  `ssl_cipher` string,
  `ssl_protocol` string,
  `target_group_arn` string,
  `trace_id` string,
  `domain_name` string,
  `chosen_cert_arn` string,
  `matched_rule_priority` string,
  `request_creation_time` string,
  `actions_executed` string,
  `redirect_url` string,
  `error_reason` string,
  `target_port_list` string,
  `target_status_code_list` string,
  `classification` string,
  `classification_reason` string,
  `conn_trace_id` string,
  `extra` string
)
PARTITIONED BY (day string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  'serialization.format' = '1',
  'input.regex' = '([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*)(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: ([^ ]*)(?: ([^ ]*)(?: ([^ ]*)(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: ([^ ]*)(?: ([^ ]*)(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: "((?:[^"\\]|\\.)*)"(?: ([^ ]*)(?: (.*))?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?'
)
LOCATION 's3://my-alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.day.type' = 'date',
  'projection.day.range' = '2022/01/01,NOW',
  'projection.day.format' = 'yyyy/MM/dd',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://my-alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/${day}'
);
