/**
 * Apache Spark for the commands that use it: the Spark context of a command ({@link
 * dpo.spark.SparkSessions}) and the sweeps of the tabular study. Nothing outside this module uses
 * Spark; the launcher puts Spark on the class path only for these commands.
 */
package dpo.spark;
