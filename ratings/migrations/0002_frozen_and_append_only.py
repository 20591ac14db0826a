from django.db import migrations

from govgrid.lib.append_only import append_only_sql

# A scheme a round has used is never changed: its areas and criteria are frozen (a new quarter's
# changes are a new version, ratings.schemes.new_version), so past results never change. The stars
# in force and an assessment's steps are never updated or deleted. Purging a whole demo or test
# district (ratings.purge_district) says so for its own transaction only.
FROZEN = """
CREATE FUNCTION ratings_scheme_frozen() RETURNS trigger AS $$
DECLARE
    used bigint;
BEGIN
    IF current_setting('govgrid.purge_ratings', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_TABLE_NAME = 'ratings_scheme' THEN
        used := OLD.id;
    ELSIF TG_OP = 'INSERT' THEN
        used := NEW.scheme_id;
    ELSIF TG_OP = 'UPDATE' AND NEW.scheme_id <> OLD.scheme_id
          AND EXISTS (SELECT 1 FROM ratings_round WHERE scheme_id = NEW.scheme_id) THEN
        used := NEW.scheme_id;
    ELSE
        used := OLD.scheme_id;
    END IF;
    IF EXISTS (SELECT 1 FROM ratings_round WHERE scheme_id = used) THEN
        RAISE EXCEPTION 'rating scheme % is used by a round: % of % refused; make a new version',
            used, TG_OP, TG_TABLE_NAME USING ERRCODE = 'GG001';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ratings_scheme_frozen BEFORE UPDATE OR DELETE ON ratings_scheme
    FOR EACH ROW EXECUTE FUNCTION ratings_scheme_frozen();
CREATE TRIGGER ratings_section_frozen BEFORE INSERT OR UPDATE OR DELETE ON ratings_section
    FOR EACH ROW EXECUTE FUNCTION ratings_scheme_frozen();
CREATE TRIGGER ratings_criterion_frozen BEFORE INSERT OR UPDATE OR DELETE ON ratings_criterion
    FOR EACH ROW EXECUTE FUNCTION ratings_scheme_frozen();

"""

REMOVE = """
DROP TRIGGER ratings_scheme_frozen ON ratings_scheme;
DROP TRIGGER ratings_section_frozen ON ratings_section;
DROP TRIGGER ratings_criterion_frozen ON ratings_criterion;
DROP FUNCTION ratings_scheme_frozen();
"""
APPEND_ONLY, REMOVE_APPEND_ONLY = append_only_sql(
    "ratings_append_only",
    [("ratings_star_append_only", "ratings_starrecord"), ("ratings_step_append_only", "ratings_assessmentstep")],
    purges=["purge_ratings"],
)


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_ratings")]
    operations = [migrations.RunSQL(FROZEN, REMOVE), migrations.RunSQL(APPEND_ONLY, REMOVE_APPEND_ONLY)]
