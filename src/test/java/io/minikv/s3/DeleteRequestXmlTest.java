package io.minikv.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeleteRequestXmlTest {
  private static DeleteRequestXml.Parsed parse(String xml) {
    return DeleteRequestXml.parse(xml.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsKeysAndQuietMode() {
    DeleteRequestXml.Parsed p =
        parse(
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
                + "<Object><Key>a &amp; b</Key></Object><Object><Key>ü/c</Key></Object></Delete>");
    assertTrue(p.quiet());
    assertEquals(List.of("a & b", "ü/c"), p.keys());
  }

  @Test
  void doctypesEntitiesAndBadShapesAreMalformedXml() {
    for (String bad :
        List.of(
            "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Delete><Object><Key>&x;</Key></Object></Delete>",
            "<Delete></Delete>",
            "<Other><Object><Key>k</Key></Object></Other>",
            "not xml")) {
      assertEquals("MalformedXML", assertThrows(S3Exception.class, () -> parse(bad)).code(), bad);
    }
  }
}
