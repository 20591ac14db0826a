from django.db import migrations

# A scheme a round has used is never changed: its areas and criteria are frozen (a new quarter's
# changes are a new version, ratings.schemes.new_version), so past results never change. The stars
# in force and an assessment's steps are never updated or deleted. Purging a whole demo or test
# district (ratings.purge_district) says so for its own transaction only.
FROZEN_AND_APPEND_ONLY = """
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

CREATE FUNCTION ratings_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('govgrid.purge_ratings', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ratings_star_append_only BEFORE UPDATE OR DELETE ON ratings_starrecord
    FOR EACH ROW EXECUTE FUNCTION ratings_append_only();
CREATE TRIGGER ratings_step_append_only BEFORE UPDATE OR DELETE ON ratings_assessmentstep
    FOR EACH ROW EXECUTE FUNCTION ratings_append_only();
"""

REMOVE = """
DROP TRIGGER ratings_scheme_frozen ON ratings_scheme;
DROP TRIGGER ratings_section_frozen ON ratings_section;
DROP TRIGGER ratings_criterion_frozen ON ratings_criterion;
DROP FUNCTION ratings_scheme_frozen();
DROP TRIGGER ratings_star_append_only ON ratings_starrecord;
DROP TRIGGER ratings_step_append_only ON ratings_assessmentstep;
DROP FUNCTION ratings_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_ratings")]
    operations = [migrations.RunSQL(FROZEN_AND_APPEND_ONLY, REMOVE)]
