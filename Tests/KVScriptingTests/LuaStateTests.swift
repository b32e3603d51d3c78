import Testing
@testable import KVScripting

@Suite struct LuaStateTests {
    @Test func runsAChunkAndReportsItsError() {
        let lua = LuaState()
        #expect(lua.run("x = 1 + 1") == nil)
        let error = lua.run("error('boom')")
        #expect(error?.contains("boom") == true)
    }
}
