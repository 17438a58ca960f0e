import { describe, expect, it } from 'vitest';
import { ownerOf, withoutOwner } from './owner.js';

describe('owner line', () => {
  it('is read from the last line and cut off', () => {
    const definition = 'CREATE TABLE public.t (\n    a integer\n);\nGRANT SELECT ON TABLE public.t TO alice;\nALTER TABLE public.t OWNER TO "Bob ""the"" owner";';
    expect(ownerOf(definition)).toBe('"Bob ""the"" owner"');
    expect(withoutOwner(definition)).toBe('CREATE TABLE public.t (\n    a integer\n);\nGRANT SELECT ON TABLE public.t TO alice;');
  });

  it('is absent from kinds without an owner, even when a body mentions OWNER TO', () => {
    const trigger = 'CREATE TRIGGER t AFTER INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.f();';
    expect(ownerOf(trigger)).toBeNull();
    expect(withoutOwner(trigger)).toBe(trigger);
    const body = "CREATE FUNCTION public.f() RETURNS void LANGUAGE sql AS $$\nALTER TABLE x OWNER TO y;\n$$;";
    expect(withoutOwner(`${body}\nALTER FUNCTION public.f() OWNER TO alice;`)).toBe(body);
  });
});
